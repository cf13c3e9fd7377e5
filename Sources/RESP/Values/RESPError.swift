/// What went wrong talking to Redis.
public struct RESPError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Sendable, Hashable {
        /// The server sent bytes that are not RESP.
        case malformedReply
        /// A reply exceeded a configured limit (length, element count or nesting).
        case replyTooLarge
        /// The server answered with an error reply, e.g. `WRONGTYPE …`.
        case serverError
        /// The connection could not be opened or was lost.
        case connectionFailed
        /// No reply came within the command timeout; the connection was closed.
        case timeout
        /// The configuration (URL, options) is invalid.
        case invalidConfiguration
        /// The server is unreachable and the client waits before trying again.
        case unavailable
        /// A reply did not have the shape the command promises.
        case unexpectedReply
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
