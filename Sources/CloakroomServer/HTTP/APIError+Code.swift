extension APIError {
    /// Every error code the HTTP API answers with, in one place: the `code` of
    /// `{"error": {"code": "…", "message": "…"}}`.
    ///
    /// A struct rather than an enum so that new codes can be added without breaking callers'
    /// `switch` statements. Clients switch on ``rawValue``; the status says the class of error.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code as it appears in the body, snake_case.
        public let rawValue: String

        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// 400: the request is malformed (body, parameter or header).
        public static let badRequest = Code("bad_request")
        /// 400: the text is not a session ID.
        public static let invalidSessionID = Code("invalid_session_id")
        /// 400: the user ID is empty, too long or holds control characters.
        public static let invalidUserID = Code("invalid_user_id")
        /// 400: the data is not what the call takes (e.g. an increment of a key that holds no number).
        public static let invalidData = Code("invalid_data")
        /// 400: the change names a key reserved for Cloakroom (`cloakroom:` prefix).
        public static let reservedKey = Code("reserved_key")
        /// 400: the paging cursor was not one this service handed out.
        public static let invalidCursor = Code("invalid_cursor")
        /// 400: the requested token scope is not a list of scope tokens.
        public static let invalidScope = Code("invalid_scope")
        /// 401: no API key, or one this service does not know.
        public static let unauthorized = Code("unauthorized")
        /// 401: the access token is malformed, forged, expired or revoked.
        public static let invalidToken = Code("invalid_token")
        /// 401: the refresh token is unknown or can no longer be used.
        public static let invalidRefreshToken = Code("invalid_refresh_token")
        /// 401: a used refresh token came back; its session has been ended.
        public static let refreshTokenReused = Code("refresh_token_reused")
        /// 403: the API key lacks the scope the call needs.
        public static let forbidden = Code("forbidden")
        /// 404: no such endpoint.
        public static let notFound = Code("not_found")
        /// 404: no live session has this ID.
        public static let sessionNotFound = Code("session_not_found")
        /// 404: the session's stored bytes cannot be read (corrupt, or sealed with a lost key).
        public static let sessionUnreadable = Code("session_unreadable")
        /// 405: the endpoint does not take that method.
        public static let methodNotAllowed = Code("method_not_allowed")
        /// 409: the session changed since the version the caller named.
        public static let versionConflict = Code("version_conflict")
        /// 409: the user holds the most sessions allowed and the policy refuses more.
        public static let tooManySessions = Code("too_many_sessions")
        /// 413: the session data would pass the maximum size.
        public static let dataTooLarge = Code("data_too_large")
        /// 413: the request body passes the maximum size.
        public static let bodyTooLarge = Code("body_too_large")
        /// 500: something unexpected failed; the server log has the details.
        public static let `internal` = Code("internal")
        /// 503: the session store is unreachable or failing.
        public static let storeUnavailable = Code("store_unavailable")
        /// 503: a bounded store holds its maximum number of sessions.
        public static let storeFull = Code("store_full")

        /// Every code, for documentation and tests.
        public static let all: [Code] = [
            .badRequest, .invalidSessionID, .invalidUserID, .invalidData, .reservedKey, .invalidCursor,
            .invalidScope, .unauthorized, .invalidToken, .invalidRefreshToken, .refreshTokenReused,
            .forbidden, .notFound, .sessionNotFound, .sessionUnreadable, .methodNotAllowed,
            .versionConflict, .tooManySessions, .dataTooLarge, .bodyTooLarge, .internal,
            .storeUnavailable, .storeFull,
        ]

        /// The code as it appears in the body.
        public var description: String { rawValue }
    }
}
