/// One argument of a ``RESPCommand``: text, bytes or a number.
public struct RESPArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// The argument's bytes as sent.
    public var bytes: [UInt8]

    /// Raw bytes.
    public init(bytes: [UInt8]) { self.bytes = bytes }
    /// UTF-8 text.
    public init(_ text: String) { bytes = Array(text.utf8) }
    /// A decimal integer.
    public init(_ number: Int64) { bytes = Array(String(number).utf8) }
    /// A decimal integer.
    public init(_ number: Int) { bytes = Array(String(number).utf8) }

    /// UTF-8 text.
    public init(stringLiteral value: String) { self.init(value) }
    /// A decimal integer.
    public init(integerLiteral value: Int) { self.init(value) }
}
