import Cloakroom

/// `POST /v1/sessions`.
struct CreateSessionBody: Decodable {
    var userID: String?
    var data: [String: JSONValue]?
    var ip: String?
    var userAgent: String?

    enum CodingKeys: String, CodingKey {
        case data, ip
        case userID = "user_id"
        case userAgent = "user_agent"
    }
}

/// Any call that names one session: `{"id": "…"}`.
struct SessionIDBody: Decodable {
    var id: String
}

/// `POST /v1/sessions/resume`: the session, and optionally the client making the request,
/// compared with the one the session last saw (see `ClientChangePolicy`).
struct ResumeSessionBody: Decodable {
    var id: String
    var ip: String?
    var userAgent: String?

    enum CodingKeys: String, CodingKey {
        case id, ip
        case userAgent = "user_agent"
    }
}

/// `POST /v1/sessions/rotate`: the session, and optionally a user who just signed in (or signed
/// in again), which records the time as `authenticated_at`.
struct RotateSessionBody: Decodable {
    var id: String
    var userID: String?

    enum CodingKeys: String, CodingKey {
        case id
        case userID = "user_id"
    }
}

/// `POST /v1/sessions/update`.
struct UpdateSessionBody: Decodable {
    var id: String
    var set: [String: JSONValue]?
    var unset: [String]?
    /// Numbers to add to keys, atomically: the server re-applies them on conflict.
    var increment: [String: Double]?
    var ifVersion: UInt64?

    enum CodingKeys: String, CodingKey {
        case id, set, unset, increment
        case ifVersion = "if_version"
    }
}

/// `DELETE /v1/users/{user_id}/sessions`.
struct EndUserSessionsBody: Decodable {
    var except: String?
}
