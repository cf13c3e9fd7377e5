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
