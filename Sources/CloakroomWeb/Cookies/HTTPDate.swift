import Cloakroom
import Foundation

/// Formats the IMF-fixdate of RFC 9110 (`Sun, 06 Nov 1994 08:49:37 GMT`) with integer arithmetic.
///
/// `DateFormatter` is slow, locale-sensitive and not safe to share across threads on every
/// platform; a cookie's `Expires` needs none of what it offers.
enum HTTPDate {
    private static let weekdays = Array("ThuFriSatSunMonTueWed".utf8)
    private static let months = Array("JanFebMarAprMayJunJulAugSepOctNovDec".utf8)

    /// The date, rounded down to the second, as an HTTP date.
    static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (year, month, day, days, secondOfDay) = CivilDate.from(secondsSince1970: seconds)
        let weekday = ((days % 7) + 7) % 7
        // Written byte by byte into one buffer: string interpolation would allocate per part.
        return String(unsafeUninitializedCapacity: 32) { buffer in
            var count = 0
            func put(_ byte: UInt8) {
                buffer[count] = byte
                count += 1
            }
            func put(_ text: [UInt8], at index: Int) {
                for offset in 0..<3 { put(text[index * 3 + offset]) }
            }
            func put(digits value: Int, width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                while divisor > 0 {
                    put(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                    divisor /= 10
                }
            }
            put(weekdays, at: weekday)
            put(UInt8(ascii: ","))
            put(UInt8(ascii: " "))
            put(digits: day, width: 2)
            put(UInt8(ascii: " "))
            put(months, at: month - 1)
            put(UInt8(ascii: " "))
            put(digits: min(max(year, 0), 9999), width: 4)
            put(UInt8(ascii: " "))
            put(digits: secondOfDay / 3600, width: 2)
            put(UInt8(ascii: ":"))
            put(digits: secondOfDay % 3600 / 60, width: 2)
            put(UInt8(ascii: ":"))
            put(digits: secondOfDay % 60, width: 2)
            for byte in " GMT".utf8 { put(byte) }
            return count
        }
    }
}
