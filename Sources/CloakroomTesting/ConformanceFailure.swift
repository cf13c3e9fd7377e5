/// A store failed a conformance check; the message says which and how.
public struct ConformanceFailure: Error, CustomStringConvertible {
    /// The check that failed.
    public var check: String
    /// What was expected and what happened.
    public var message: String

    /// The check and the message.
    public var description: String { "conformance check '\(check)' failed: \(message)" }
}
