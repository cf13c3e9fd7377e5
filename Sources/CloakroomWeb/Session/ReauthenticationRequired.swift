/// A sensitive route was asked for without a recent enough sign-in; answers `401 Unauthorized`.
///
/// The framework integrations turn it into a response: the body names a code a client can act
/// on, `authentication_required` (no signed-in session) or `reauthentication_required` (signed in,
/// but longer ago than the route allows: ask for the password again, then call
/// ``SessionHandle/reauthenticate()``). The same code is in the `WWW-Authenticate` header's
/// `error` parameter, for clients that do not read bodies.
public struct ReauthenticationRequired: Error, CustomStringConvertible {
    /// Why the request was refused.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        /// The stable code of the body and header.
        public let code: String

        /// No user is signed in to this session.
        public static let notSignedIn = Reason(code: "authentication_required")
        /// A user is signed in, but not recently enough.
        public static let stale = Reason(code: "reauthentication_required")

        /// The code.
        public var description: String { code }
    }

    /// Why the request was refused.
    public let reason: Reason
    /// How recent a sign-in the route asked for.
    public let window: Duration

    /// Creates the error.
    public init(reason: Reason, window: Duration) {
        self.reason = reason
        self.window = window
    }

    /// What went wrong and what to do.
    public var description: String {
        switch reason {
        case .notSignedIn: "sign in to continue"
        default:
            "this action needs a sign-in within the last \(Int(window.components.seconds)) seconds; sign in again to continue"
        }
    }

    /// The HTTP status: `401 Unauthorized`.
    public static let statusCode = 401

    /// The `WWW-Authenticate` header's value, naming the code.
    public var wwwAuthenticate: String { #"Session error="\#(reason.code)""# }

    /// The JSON body `{"error": {"code": "…", "message": "…"}}`.
    public var jsonBody: String { #"{"error":{"code":"\#(reason.code)","message":"\#(description)"}}"# }
}
