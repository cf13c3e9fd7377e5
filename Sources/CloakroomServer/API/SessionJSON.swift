import Cloakroom
import Foundation

/// The `session` and summary objects of the HTTP API, with RFC 3339 times.
struct SessionJSON {
    var header: SessionHeader
    /// The data, for a session; `nil` for a listing's summary, which has none.
    var data: SessionData?

    init(_ session: Session) {
        header = session.header
        data = session.data
    }

    init(summary: SessionSummary) {
        header = summary
        data = nil
    }

    /// The object's members in code-point order of their names, the order ``JSONWriter`` sorts
    /// objects into, so the answers of the hot calls are written without a dictionary or a sort.
    var members: [(key: String, value: JSONValue)] {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        let metadata = header.metadata
        var members: [(key: String, value: JSONValue)] = [
            ("absolute_expires_at", .string(Self.timestamp(header.absoluteDeadline))),
            ("authenticated_at", metadata.authenticatedAt.map { .string(Self.timestamp($0)) } ?? .null),
            ("created_at", .string(Self.timestamp(metadata.createdAt))),
        ]
        members.reserveCapacity(12)
        if let data { members.append(("data", .object(data.values))) }
        members += [
            ("device", text(metadata.device)),
            ("handle", .string(header.handle)),
            ("idle_expires_at", .string(Self.timestamp(header.idleDeadline))),
            ("ip", text(metadata.ip)),
            ("last_seen_at", .string(Self.timestamp(metadata.lastSeenAt))),
            ("user_agent", text(metadata.userAgent)),
            ("user_id", text(header.userID)),
            ("version", .number(Double(header.version))),
        ]
        return members
    }

    /// The object as a JSON value, for answers that hold several.
    var jsonValue: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: members.lazy.map { ($0.key, $0.value) }))
    }

    /// `{"session": …}`, the answer of resume and update, as bytes.
    func sessionAnswer() throws(JSONWriter.Failure) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        output.append(contentsOf: #"{"session":"#.utf8)
        try JSONWriter.append(members: members, to: &output)
        output.append(UInt8(ascii: "}"))
        return output
    }

    /// RFC 3339 with milliseconds, in UTC, as `Date.ISO8601FormatStyle` writes it (fractions
    /// truncated), without its calendar: Foundation's formatter took ~4 % of a resume.
    static func timestamp(_ date: Date) -> String {
        // Whole seconds and milliseconds from the reference date, as Foundation counts them.
        let sinceReference = date.timeIntervalSinceReferenceDate
        let wholeSeconds = sinceReference.rounded(.down)
        let seconds = Int(exactly: wholeSeconds + Date.timeIntervalBetween1970AndReferenceDate)
        guard let seconds, abs(seconds) < 250_000_000_000 else {
            return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        let milliseconds = min(Int((sinceReference - wholeSeconds) * 1000), 999)
        let (year, month, day, _, secondOfDay) = CivilDate.from(secondsSince1970: seconds)
        guard (1...9999).contains(year) else {
            return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        // `YYYY-MM-DDTHH:MM:SS.mmmZ`, 24 bytes written straight into the string's storage.
        return String(unsafeUninitializedCapacity: 24) { text in
            var count = 0
            func put(_ byte: UInt8) {
                text[count] = byte
                count += 1
            }
            func digits(_ value: Int, _ width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                while divisor > 0 {
                    put(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                    divisor /= 10
                }
            }
            digits(year, 4)
            put(UInt8(ascii: "-"))
            digits(month, 2)
            put(UInt8(ascii: "-"))
            digits(day, 2)
            put(UInt8(ascii: "T"))
            digits(secondOfDay / 3600, 2)
            put(UInt8(ascii: ":"))
            digits(secondOfDay / 60 % 60, 2)
            put(UInt8(ascii: ":"))
            digits(secondOfDay % 60, 2)
            put(UInt8(ascii: "."))
            digits(milliseconds, 3)
            put(UInt8(ascii: "Z"))
            return count
        }
    }
}
