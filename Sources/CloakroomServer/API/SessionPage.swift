import Cloakroom
import Foundation
import Hummingbird

/// One page of a user's sessions for `GET /v1/users/{user_id}/sessions?limit=&cursor=`.
///
/// Pages are in a stable order, newest first (by creation time, then handle), so that a session
/// used while a client pages through moves nowhere: the cursor names the last session of the
/// previous page by its creation time and handle, and the next page starts after it.
struct SessionPage {
    static let defaultLimit = 100
    static let maximumLimit = 1000

    var limit: Int
    /// Creation time in microseconds and handle of the last session already seen.
    var after: (createdAt: Int64, handle: String)?

    /// Reads the `limit` and `cursor` query parameters.
    init(limit limitText: Substring?, cursor: Substring?) throws {
        limit = Self.defaultLimit
        if let text = limitText {
            guard let value = Int(text), (1...Self.maximumLimit).contains(value) else {
                throw APIError.badRequest("'limit' must be a whole number from 1 to \(Self.maximumLimit)")
            }
            limit = value
        }
        if let cursor {
            let parts = cursor.split(separator: "-", maxSplits: 1)
            guard parts.count == 2, let createdAt = Int64(parts[0]), parts[1].utf8.count == SessionKey.handleLength,
                parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
            else {
                throw APIError(
                    .badRequest,
                    code: .invalidCursor,
                    message: "'cursor' is not one this API handed out; pass the next_cursor of the previous page"
                )
            }
            after = (createdAt, String(parts[1]))
        }
    }

    /// The page's sessions and the cursor of the next page, `nil` on the last one.
    func slice(_ sessions: [SessionSummary]) -> ([SessionSummary], String?) {
        let ordered = sessions.map { (Self.sortKey($0), $0) }.sorted { Self.precedes($0.0, $1.0) }
        let remaining = ordered.drop { entry in after.map { !Self.precedes($0, entry.0) } ?? false }
        let page = Array(remaining.prefix(limit))
        guard remaining.count > limit, let last = page.last else { return (page.map(\.1), nil) }
        return (page.map(\.1), "\(last.0.createdAt)-\(last.0.handle)")
    }

    private static func sortKey(_ summary: SessionSummary) -> (createdAt: Int64, handle: String) {
        (Int64((summary.metadata.createdAt.timeIntervalSince1970 * 1_000_000).rounded(.down)), summary.handle)
    }

    /// Newest first; the handle breaks ties.
    private static func precedes(_ a: (createdAt: Int64, handle: String), _ b: (createdAt: Int64, handle: String))
        -> Bool
    {
        a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.handle < b.handle
    }
}
