import Foundation

/// Durations written the way configuration writes them: `500ms`, `90s`, `30m`, `24h` or `7d`.
public enum DurationText {
    /// The duration `text` spells, or `nil` when it is not a whole number followed by one of the
    /// units `ms`, `s`, `m`, `h` or `d`.
    public static func parse(_ text: String) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let units: [(suffix: String, milliseconds: Int64)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
        ]
        for unit in units where text.hasSuffix(unit.suffix) {
            let number = text.dropLast(unit.suffix.count)
            guard !number.isEmpty, number.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int64(number),
                value <= Int64.max / unit.milliseconds
            else { continue }
            return .milliseconds(value * unit.milliseconds)
        }
        return nil
    }

    /// The shortest spelling `parse` reads back as the same duration, e.g. `1m`, `90s`, `500ms`.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        for (suffix, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds % size == 0 && milliseconds > 0 {
            return "\(milliseconds / size)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
