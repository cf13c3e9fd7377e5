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

    /// The object as a JSON value, written by the session data's JSON writer: `JSONEncoder` and
    /// `Codable` took a sixth of `cloakroomd`'s CPU on a resume.
    var jsonValue: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        let metadata = header.metadata
        var members: [String: JSONValue] = [
            "handle": .string(header.handle),
            "user_id": text(header.userID),
            "created_at": .string(Self.timestamp(metadata.createdAt)),
            "last_seen_at": .string(Self.timestamp(metadata.lastSeenAt)),
            "idle_expires_at": .string(Self.timestamp(header.idleDeadline)),
            "absolute_expires_at": .string(Self.timestamp(header.absoluteDeadline)),
            "version": .number(Double(header.version)),
            "ip": text(metadata.ip),
            "user_agent": text(metadata.userAgent),
            "device": text(metadata.device),
            "authenticated_at": metadata.authenticatedAt.map { .string(Self.timestamp($0)) } ?? .null,
        ]
        if let data { members["data"] = .object(data.values) }
        return .object(members)
    }

    /// RFC 3339 with milliseconds, in UTC.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
