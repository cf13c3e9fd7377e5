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

    /// Creates a command from its name and arguments, already as bytes: for callers on a hot path
    /// that keep the fixed parts of a command encoded once.
    public init(arguments: [[UInt8]]) {
        self.arguments = arguments
    }

    /// Appends the command in RESP form (an array of bulk strings) to `buffer`.
    ///
    /// The size is counted first and the bytes written in one pass into reserved space: written
    /// piece by piece, with each length formatted as a `String`, this was 11 % of the CPU time of
    /// a Redis load (`perf`, BENCHMARKS.md).
    public func encode(into buffer: inout ByteBuffer) {
        var size = 1 + Self.digitCount(arguments.count) + 2
        for argument in arguments {
            size += 1 + Self.digitCount(argument.count) + 2 + argument.count + 2
        }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { output in
            var at = output.baseAddress!
            Self.header(UInt8(ascii: "*"), arguments.count, at: &at)
            for argument in arguments {
                Self.header(UInt8(ascii: "$"), argument.count, at: &at)
                argument.withUnsafeBytes { bytes in
                    if let source = bytes.baseAddress { at.copyMemory(from: source, byteCount: bytes.count) }
                    at += bytes.count
                }
                Self.lineEnd(at: &at)
            }
            return size
        }
    }

    /// The number of decimal digits of a count.
    private static func digitCount(_ value: Int) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        return digits
    }

    /// Writes a type byte, a count in decimal and a line end at `at`, and moves `at` past them.
    private static func header(_ type: UInt8, _ count: Int, at: inout UnsafeMutableRawPointer) {
        at.storeBytes(of: type, as: UInt8.self)
        let digits = digitCount(count)
        var rest = count
        for index in stride(from: digits, to: 0, by: -1) {
            at.storeBytes(of: UInt8(ascii: "0") + UInt8(rest % 10), toByteOffset: index, as: UInt8.self)
            rest /= 10
        }
        at += 1 + digits
        lineEnd(at: &at)
    }

    /// Writes `\r\n` at `at` and moves `at` past it.
    private static func lineEnd(at: inout UnsafeMutableRawPointer) {
        at.storeBytes(of: UInt8(ascii: "\r"), as: UInt8.self)
        at.storeBytes(of: UInt8(ascii: "\n"), toByteOffset: 1, as: UInt8.self)
        at += 2
    }
}
