/// One value of the Redis serialization protocol, RESP2 or RESP3.
///
/// Errors are values here (``simpleError(_:)``, ``bulkError(_:)``): the decoder never throws for a
/// well-formed error reply; ``RESPConnection`` turns them into ``RESPError`` for callers.
public enum RESPValue: Sendable, Hashable {
    /// `+OK`
    case simpleString(String)
    /// `-ERR message`
    case simpleError(String)
    /// `:42`
    case integer(Int64)
    /// `$5 hello`; binary safe.
    case bulkString([UInt8])
    /// `*2 …`
    case array([RESPValue])
    /// RESP2's null bulk string and null array, RESP3's `_`.
    case null
    /// RESP3 `,3.14`
    case double(Double)
    /// RESP3 `#t`
    case boolean(Bool)
    /// RESP3 `(` followed by the digits, kept as text.
    case bigNumber(String)
    /// RESP3 `!`: an error with a binary-safe message.
    case bulkError([UInt8])
    /// RESP3 `=`: a string with a three-letter format such as `txt`.
    case verbatimString(format: String, text: [UInt8])
    /// RESP3 `%`: key-value pairs in the order received.
    case map([Pair])
    /// RESP3 `~`
    case set([RESPValue])
    /// RESP3 `>`: an out-of-band message, never the reply to a command.
    case push([RESPValue])

    /// A key-value pair of a RESP3 map.
    public struct Pair: Sendable, Hashable {
        /// The key.
        public var key: RESPValue
        /// The value.
        public var value: RESPValue

        /// Creates a pair.
        public init(key: RESPValue, value: RESPValue) {
            self.key = key
            self.value = value
        }
    }
}

extension RESPValue {
    /// The bytes of a bulk, simple or verbatim string; `nil` for anything else.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let text): Array(text.utf8)
        case .verbatimString(_, let text): text
        default: nil
        }
    }

    /// The UTF-8 text of a string value, or the decimal digits of an integer.
    public var string: String? {
        switch self {
        case .integer(let value): String(value)
        default: bytes.map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// An integer reply, or a string that holds one.
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .boolean(let value): value ? 1 : 0
        default: string.flatMap { Int64($0) }
        }
    }

    /// The elements of an array, set or push; a map's keys and values alternately (as RESP2 sends
    /// them); `nil` for anything else.
    public var elements: [RESPValue]? {
        switch self {
        case .array(let values), .set(let values), .push(let values): values
        case .map(let pairs): pairs.flatMap { [$0.key, $0.value] }
        default: nil
        }
    }

    /// The message of an error reply, `nil` when the value is not an error.
    public var errorMessage: String? {
        switch self {
        case .simpleError(let message): message
        case .bulkError(let message): String(decoding: message, as: UTF8.self)
        default: nil
        }
    }

    /// Whether this is `null`.
    public var isNull: Bool { self == .null }
}
