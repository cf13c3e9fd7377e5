import Cloakroom
import Foundation

/// The `session` and summary objects of the HTTP API, with RFC 3339 times.
struct SessionJSON: Encodable {
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

    enum CodingKeys: String, CodingKey {
        case handle, data, version, ip, device
        case userID = "user_id"
        case createdAt = "created_at"
        case lastSeenAt = "last_seen_at"
        case idleExpiresAt = "idle_expires_at"
        case absoluteExpiresAt = "absolute_expires_at"
        case userAgent = "user_agent"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(handle, forKey: .handle)
        try container.encode(userID, forKey: .userID)
        if let data { try container.encode(data, forKey: .data) }
        try container.encode(Self.timestamp(metadata.createdAt), forKey: .createdAt)
        try container.encode(Self.timestamp(metadata.lastSeenAt), forKey: .lastSeenAt)
        try container.encode(Self.timestamp(idleDeadline), forKey: .idleExpiresAt)
        try container.encode(Self.timestamp(absoluteDeadline), forKey: .absoluteExpiresAt)
        try container.encode(version, forKey: .version)
        try container.encode(metadata.ip, forKey: .ip)
        try container.encode(metadata.userAgent, forKey: .userAgent)
        try container.encode(metadata.device, forKey: .device)
    }

    /// RFC 3339 with milliseconds, in UTC.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
