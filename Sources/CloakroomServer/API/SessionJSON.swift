import Cloakroom
import Foundation

/// The `session` and summary objects of the HTTP API, with RFC 3339 times.
struct SessionJSON {
    var handle: String
    var userID: String?
    var data: SessionData?
    var metadata: SessionMetadata
    var idleDeadline: Date
    var absoluteDeadline: Date
    var version: UInt64

    init(_ session: Session) {
        handle = session.handle
        userID = session.userID
        data = session.data
        metadata = session.metadata
        idleDeadline = session.idleDeadline
        absoluteDeadline = session.absoluteDeadline
        version = session.version
    }

    init(summary: SessionSummary) {
        handle = summary.handle
        userID = summary.userID
        data = nil
        metadata = summary.metadata
        idleDeadline = summary.idleDeadline
        absoluteDeadline = summary.absoluteDeadline
        version = summary.version
    }

    /// The object as a JSON value, written by the session data's JSON writer: `JSONEncoder` and
    /// `Codable` took a sixth of `cloakroomd`'s CPU on a resume.
    var jsonValue: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        var members: [String: JSONValue] = [
            "handle": .string(handle),
            "user_id": text(userID),
            "created_at": .string(Self.timestamp(metadata.createdAt)),
            "last_seen_at": .string(Self.timestamp(metadata.lastSeenAt)),
            "idle_expires_at": .string(Self.timestamp(idleDeadline)),
            "absolute_expires_at": .string(Self.timestamp(absoluteDeadline)),
            "version": .number(Double(version)),
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
