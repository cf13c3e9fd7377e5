import NIOCore

/// Decodes RESP2 and RESP3 values from a byte stream split anywhere.
///
/// ``decode(_:)`` consumes one complete value from the front of the buffer, or leaves the buffer
/// untouched and returns `nil` when more bytes are needed. Malformed input and input past the
/// ``RESPDecoderLimits`` throw ``RESPError``; nothing here traps on bad bytes.
public struct RESPDecoder: Sendable {
    /// The limits this decoder enforces.
    public var limits: RESPDecoderLimits

    /// Creates a decoder.
    public init(limits: RESPDecoderLimits = RESPDecoderLimits()) {
        self.limits = limits
    }

    /// Decodes one value from the front of `buffer`, or returns `nil` (buffer unchanged) when the
    /// value is not complete yet.
    public func decode(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        var copy = buffer
        guard let value = try value(&copy, depth: 0) else {
            if buffer.readableBytes > limits.maxReplyLength {
                throw RESPError(.replyTooLarge, "reply longer than \(limits.maxReplyLength) bytes")
            }
            return nil
        }
        buffer = copy
        return value
    }

    private func value(_ buffer: inout ByteBuffer, depth: Int) throws(RESPError) -> RESPValue? {
        guard let marker = buffer.readInteger(as: UInt8.self) else { return nil }
        switch marker {
        case UInt8(ascii: "+"):
            return try line(&buffer).map { .simpleString(String(decoding: $0, as: UTF8.self)) }
        case UInt8(ascii: "-"):
            return try line(&buffer).map { .simpleError(String(decoding: $0, as: UTF8.self)) }
        case UInt8(ascii: ":"):
            return try integerLine(&buffer, what: "integer").map(RESPValue.integer)
        case UInt8(ascii: "$"):
            return try blob(&buffer).map { $0.map(RESPValue.bulkString) ?? .null }
        case UInt8(ascii: "!"):
            guard let blob = try blob(&buffer) else { return nil }
            guard let blob else { throw RESPError(.malformedReply, "a bulk error may not be null") }
            return .bulkError(blob)
        case UInt8(ascii: "="):
            guard let blob = try blob(&buffer) else { return nil }
            guard let blob, blob.count >= 4, blob[3] == UInt8(ascii: ":") else {
                throw RESPError(.malformedReply, "a verbatim string must start with a 3-letter format and ':'")
            }
            return .verbatimString(format: String(decoding: blob[0..<3], as: UTF8.self), text: Array(blob[4...]))
        case UInt8(ascii: "_"):
            guard let line = try line(&buffer) else { return nil }
            guard line.isEmpty else { throw RESPError(.malformedReply, "null '_' carries no data") }
            return .null
        case UInt8(ascii: "#"):
            guard let line = try line(&buffer) else { return nil }
            switch line {
            case [UInt8(ascii: "t")]: return .boolean(true)
            case [UInt8(ascii: "f")]: return .boolean(false)
            default: throw RESPError(.malformedReply, "a boolean must be 't' or 'f'")
            }
        case UInt8(ascii: ","):
            guard let line = try line(&buffer) else { return nil }
            return .double(try double(line))
        case UInt8(ascii: "("):
            guard let line = try line(&buffer) else { return nil }
            let digits = line.first == UInt8(ascii: "-") ? line.dropFirst() : line[...]
            guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw RESPError(.malformedReply, "a big number must be decimal digits")
            }
            return .bigNumber(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: "*"):
            return try aggregate(&buffer, depth: depth).map { $0.map(RESPValue.array) ?? .null }
        case UInt8(ascii: "~"):
            return try nonNullAggregate(&buffer, depth: depth, kind: "set").map(RESPValue.set)
        case UInt8(ascii: ">"):
            return try nonNullAggregate(&buffer, depth: depth, kind: "push").map(RESPValue.push)
        case UInt8(ascii: "%"):
            guard let count = try count(&buffer, pairs: true) else { return nil }
            guard let count else { throw RESPError(.malformedReply, "a map may not be null") }
            var pairs: [RESPValue.Pair] = []
            pairs.reserveCapacity(min(count, 1024))
            for _ in 0..<count {
                guard let key = try nested(&buffer, depth: depth), let value = try nested(&buffer, depth: depth) else {
                    return nil
                }
                pairs.append(.init(key: key, value: value))
            }
            return .map(pairs)
        case UInt8(ascii: "|"):
            // Attributes annotate the value that follows; nothing here needs them.
            guard let count = try count(&buffer, pairs: true) else { return nil }
            guard let count else { throw RESPError(.malformedReply, "an attribute may not be null") }
            for _ in 0..<(2 * count) {
                guard try nested(&buffer, depth: depth) != nil else { return nil }
            }
            return try nested(&buffer, depth: depth)
        default:
            throw RESPError(.malformedReply, "unknown type byte 0x\(String(marker, radix: 16))")
        }
    }

    private func nested(_ buffer: inout ByteBuffer, depth: Int) throws(RESPError) -> RESPValue? {
        guard depth + 1 < limits.maxDepth else {
            throw RESPError(.replyTooLarge, "reply nested deeper than \(limits.maxDepth) levels")
        }
        return try value(&buffer, depth: depth + 1)
    }

    /// `nil` when incomplete; `.some(nil)` for a RESP2 null array.
    private func aggregate(_ buffer: inout ByteBuffer, depth: Int) throws(RESPError) -> [RESPValue]?? {
        guard let count = try count(&buffer, pairs: false) else { return nil }
        guard let count else { return .some(nil) }
        var values: [RESPValue] = []
        values.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            guard let value = try nested(&buffer, depth: depth) else { return nil }
            values.append(value)
        }
        return .some(values)
    }

    private func nonNullAggregate(_ buffer: inout ByteBuffer, depth: Int, kind: String) throws(RESPError)
        -> [RESPValue]?
    {
        guard let values = try aggregate(&buffer, depth: depth) else { return nil }
        guard let values else { throw RESPError(.malformedReply, "a \(kind) may not be null") }
        return values
    }

    /// An aggregate's element count: `nil` when incomplete, `.some(nil)` for `-1`.
    private func count(_ buffer: inout ByteBuffer, pairs: Bool) throws(RESPError) -> Int?? {
        guard let count = try integerLine(&buffer, what: "element count") else { return nil }
        if count == -1 { return .some(nil) }
        guard count >= 0 else { throw RESPError(.malformedReply, "negative element count \(count)") }
        guard count <= limits.maxElements / (pairs ? 2 : 1) else {
            throw RESPError(.replyTooLarge, "reply declares \(count) elements, more than \(limits.maxElements)")
        }
        return .some(Int(count))
    }

    /// A length-prefixed string: `nil` when incomplete, `.some(nil)` for `$-1`.
    private func blob(_ buffer: inout ByteBuffer) throws(RESPError) -> [UInt8]?? {
        guard let length = try integerLine(&buffer, what: "length") else { return nil }
        if length == -1 { return .some(nil) }
        guard length >= 0 else { throw RESPError(.malformedReply, "negative length \(length)") }
        guard length <= limits.maxBulkLength else {
            throw RESPError(.replyTooLarge, "bulk string of \(length) bytes, more than \(limits.maxBulkLength)")
        }
        guard buffer.readableBytes >= Int(length) + 2 else { return nil }
        let bytes = buffer.readBytes(length: Int(length))!
        guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
            throw RESPError(.malformedReply, "bulk string not followed by CRLF")
        }
        return .some(bytes)
    }

    /// The bytes before the next CRLF, consumed with it; `nil` when no CRLF has arrived yet.
    private func line(_ buffer: inout ByteBuffer) throws(RESPError) -> [UInt8]? {
        guard let length = try lineLength(buffer) else { return nil }
        let bytes = buffer.readBytes(length: length)!
        buffer.moveReaderIndex(forwardBy: 2)
        return bytes
    }

    /// The integer on the next line, read where it lies instead of copied out first: every
    /// length and count of a reply is one of these.
    private func integerLine(_ buffer: inout ByteBuffer, what: String) throws(RESPError) -> Int64? {
        guard let length = try lineLength(buffer) else { return nil }
        let view = buffer.readableBytesView
        let value = try integer(view[view.startIndex..<view.startIndex + length], what: what)
        buffer.moveReaderIndex(forwardBy: length + 2)
        return value
    }

    /// The length of the next line without its CRLF; `nil` while the line is incomplete.
    private func lineLength(_ buffer: ByteBuffer) throws(RESPError) -> Int? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: 0x0D) else {
            if view.count > limits.maxLineLength {
                throw RESPError(.replyTooLarge, "line longer than \(limits.maxLineLength) bytes")
            }
            return nil
        }
        let length = cr - view.startIndex
        guard length <= limits.maxLineLength else {
            throw RESPError(.replyTooLarge, "line longer than \(limits.maxLineLength) bytes")
        }
        guard view.count > length + 1 else { return nil }
        guard view[cr + 1] == 0x0A else { throw RESPError(.malformedReply, "CR not followed by LF") }
        return length
    }

    private func integer<Line: Collection<UInt8>>(_ line: Line, what: String) throws(RESPError) -> Int64 {
        let negative = line.first == UInt8(ascii: "-")
        let digits = negative ? line.dropFirst() : line[...]
        guard !digits.isEmpty, digits.count <= 19 else {
            throw RESPError(.malformedReply, "\(what) is not a 64-bit decimal integer")
        }
        var value: Int64 = 0
        for digit in digits {
            guard (0x30...0x39).contains(digit) else {
                throw RESPError(.malformedReply, "\(what) is not a decimal integer")
            }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(digit - 0x30))
            guard !overflow1, !overflow2 else { throw RESPError(.malformedReply, "\(what) overflows 64 bits") }
            value = sum
        }
        return negative ? -value : value
    }

    private func double(_ line: [UInt8]) throws(RESPError) -> Double {
        let text = String(decoding: line, as: UTF8.self)
        switch text {
        case "inf": return .infinity
        case "-inf": return -.infinity
        case "nan": return .nan
        default:
            guard
                !text.isEmpty,
                text.utf8.allSatisfy({ (0x30...0x39).contains($0) || "+-.eE".utf8.contains($0) }),
                let value = Double(text)
            else { throw RESPError(.malformedReply, "'\(text.prefix(40))' is not a double") }
            return value
        }
    }
}
