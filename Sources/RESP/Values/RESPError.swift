/// What went wrong talking to Redis.
public struct RESPError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, as a stable value to switch on.
    ///
    /// A struct rather than an enum so that new kinds can be added without breaking callers'
    /// `switch` statements: switch with a `default` case.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case malformedReply
            case replyTooLarge
            case serverError
            case connectionFailed
            case timeout
            case invalidConfiguration
            case unavailable
            case unexpectedReply
        }

        let base: Base

        /// The server sent bytes that are not RESP.
        public static let malformedReply = Code(base: .malformedReply)
        /// A reply exceeded a configured limit (length, element count or nesting).
        public static let replyTooLarge = Code(base: .replyTooLarge)
        /// The server answered with an error reply, e.g. `WRONGTYPE …`.
        public static let serverError = Code(base: .serverError)
        /// The connection could not be opened or was lost.
        public static let connectionFailed = Code(base: .connectionFailed)
        /// No reply came within the command timeout; the connection was closed.
        public static let timeout = Code(base: .timeout)
        /// The configuration (URL, options) is invalid.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// The server is unreachable and the client waits before trying again.
        public static let unavailable = Code(base: .unavailable)
        /// A reply did not have the shape the command promises.
        public static let unexpectedReply = Code(base: .unexpectedReply)

        /// The code as a stable string, e.g. `timeout`.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and, where possible, what to do about it.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The first word of a server error reply, e.g. `MOVED`, `NOSCRIPT`, `WRONGTYPE`.
    public var serverErrorPrefix: Substring? {
        code == .serverError ? message.split(separator: " ", maxSplits: 1).first : nil
    }

    /// Whether the failure was the connection's rather than the command's: the command may be
    /// retried on another connection.
    public var isConnectionFailure: Bool {
        [.connectionFailed, .timeout, .unavailable, .malformedReply, .replyTooLarge].contains(code)
    }

    /// The error as people read it.
    public var description: String { "Redis: \(message)" }
}
