/// Year, month and day of a count of days since 1970-01-01 in the proleptic Gregorian calendar,
/// with integer arithmetic (Howard Hinnant's `civil_from_days`): the cookie's `Expires` and the
/// default signing-key ID need a date, not `DateFormatter`'s locale and cost.
package enum CivilDate {
    /// The calendar date of `seconds` after 1970-01-01T00:00:00Z, the day's number since then
    /// (for the weekday), and the seconds into that day (0..<86 400), for formatting in UTC.
    package static func from(
        secondsSince1970 seconds: Int
    ) -> (year: Int, month: Int, day: Int, daysSince1970: Int, secondOfDay: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let (year, month, day) = from(daysSince1970: days)
        return (year, month, day, days, seconds - days * 86_400)
    }

    /// The calendar date `days` days after 1970-01-01 (before it when negative).
    package static func from(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
