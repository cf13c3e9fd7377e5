import NIOCore

/// A command as Redis receives it: an array of binary-safe arguments.
public struct RESPCommand: Sendable, Hashable, CustomStringConvertible {
    /// The command name and its arguments.
    public var arguments: [[UInt8]]

    /// Creates a command from its name and arguments.
    public init(_ name: String, _ arguments: [RESPArgument] = []) {
        self.arguments = [Array(name.utf8)] + arguments.map(\.bytes)
    }

    /// Creates a command from its name and arguments.
    public init(_ name: String, _ arguments: RESPArgument...) {
        self.init(name, arguments)
    }

    /// The command name only: arguments may hold keys and secrets, which never go to logs.
    public var description: String { String(decoding: arguments.first ?? [], as: UTF8.self) }

    /// Appends the command in RESP form (an array of bulk strings) to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        buffer.writeString(String(arguments.count))
        buffer.writeInteger(UInt16(0x0D0A))
        for argument in arguments {
            buffer.writeInteger(UInt8(ascii: "$"))
            buffer.writeString(String(argument.count))
            buffer.writeInteger(UInt16(0x0D0A))
            buffer.writeBytes(argument)
            buffer.writeInteger(UInt16(0x0D0A))
        }
    }
}

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
