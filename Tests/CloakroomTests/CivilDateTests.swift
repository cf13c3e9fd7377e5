import Cloakroom
import Foundation
import Testing

@Suite("Calendar dates from days since 1970")
struct CivilDateTests {
    @Test(
        "matches the Gregorian calendar across leap days, centuries and 1970",
        arguments: [
            (0, 1970, 1, 1), (-1, 1969, 12, 31), (11_016, 2000, 2, 29), (11_017, 2000, 3, 1),
            (19_723, 2024, 1, 1), (-25_567, 1900, 1, 1), (2_932_896, 9999, 12, 31),
        ]
    )
    func knownDates(_ days: Int, _ year: Int, _ month: Int, _ day: Int) {
        let date = CivilDate.from(daysSince1970: days)
        #expect(date.year == year && date.month == month && date.day == day)
    }

    @Test("agrees with Foundation's calendar for every day of four centuries")
    func agreesWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        for days in stride(from: -73_000, through: 73_000, by: 1) {
            let parts = calendar.dateComponents(
                [.year, .month, .day],
                from: Date(timeIntervalSince1970: Double(days) * 86_400)
            )
            let date = CivilDate.from(daysSince1970: days)
            guard date.year == parts.year, date.month == parts.month, date.day == parts.day else {
                Issue.record("day \(days): \(date) but Foundation says \(parts)")
                return
            }
        }
    }
}
