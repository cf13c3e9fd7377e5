/// One argument of a ``RESPCommand``: text, bytes or a number.
public struct RESPArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// The argument's bytes as sent.
    public var bytes: [UInt8]

    /// Raw bytes.
    public init(bytes: [UInt8]) { self.bytes = bytes }
    /// UTF-8 text.
    public init(_ text: String) { bytes = Array(text.utf8) }
    /// A decimal integer.
    public init(_ number: Int64) { bytes = Self.decimal(number.magnitude, negative: number < 0) }
    /// A decimal integer.
    public init(_ number: Int) { self.init(Int64(number)) }
    /// A decimal integer, such as a record's version.
    public init(_ number: UInt64) { bytes = Self.decimal(number, negative: false) }

    /// UTF-8 text.
    public init(stringLiteral value: String) { self.init(value) }
    /// A decimal integer.
    public init(integerLiteral value: Int) { self.init(value) }

    /// A number in decimal, as `String(_:)` spells it, written straight into the array: every
    /// record written to Redis carries half a dozen numbers.
    private static func decimal(_ magnitude: UInt64, negative: Bool) -> [UInt8] {
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let count = digits + (negative ? 1 : 0)
        return [UInt8](unsafeUninitializedCapacity: count) { output, written in
            if negative { output[0] = UInt8(ascii: "-") }
            var rest = magnitude
            for index in stride(from: count - 1, through: count - digits, by: -1) {
                output[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            written = count
        }
    }
}
