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
        // Read from the buffer's bytes in place: ByteBuffer's own readers, inlined here, check
        // exclusive access to its storage on every call, dozens of times per reply.
        let decoded = try buffer.withUnsafeReadableBytes { bytes throws(RESPError) -> (RESPValue, Int)? in
            var reader = Reader(bytes: bytes)
            return try value(&reader, depth: 0).map { ($0, reader.offset) }
        }
        guard let (value, length) = decoded else {
            if buffer.readableBytes > limits.maxReplyLength {
                throw RESPError(.replyTooLarge, "reply longer than \(limits.maxReplyLength) bytes")
            }
            return nil
        }
        buffer.moveReaderIndex(forwardBy: length)
        return value
    }

    private func value(_ reader: inout Reader, depth: Int) throws(RESPError) -> RESPValue? {
        guard let marker = reader.byte() else { return nil }
        switch marker {
        case UInt8(ascii: "+"):
            return try line(&reader).map { .simpleString(String(decoding: $0, as: UTF8.self)) }
        case UInt8(ascii: "-"):
            return try line(&reader).map { .simpleError(String(decoding: $0, as: UTF8.self)) }
        case UInt8(ascii: ":"):
            return try integerLine(&reader, what: "integer").map(RESPValue.integer)
        case UInt8(ascii: "$"):
            return try blob(&reader).map { $0.map(RESPValue.bulkString) ?? .null }
        case UInt8(ascii: "!"):
            guard let blob = try blob(&reader) else { return nil }
            guard let blob else { throw RESPError(.malformedReply, "a bulk error may not be null") }
            return .bulkError(blob)
        case UInt8(ascii: "="):
            guard let blob = try blob(&reader) else { return nil }
            guard let blob, blob.count >= 4, blob[3] == UInt8(ascii: ":") else {
                throw RESPError(.malformedReply, "a verbatim string must start with a 3-letter format and ':'")
            }
            return .verbatimString(format: String(decoding: blob[0..<3], as: UTF8.self), text: Array(blob[4...]))
        case UInt8(ascii: "_"):
            guard let line = try line(&reader) else { return nil }
            guard line.isEmpty else { throw RESPError(.malformedReply, "null '_' carries no data") }
            return .null
        case UInt8(ascii: "#"):
            guard let line = try line(&reader) else { return nil }
            switch line {
            case [UInt8(ascii: "t")]: return .boolean(true)
            case [UInt8(ascii: "f")]: return .boolean(false)
            default: throw RESPError(.malformedReply, "a boolean must be 't' or 'f'")
            }
        case UInt8(ascii: ","):
            guard let line = try line(&reader) else { return nil }
            return .double(try double(line))
        case UInt8(ascii: "("):
            guard let line = try line(&reader) else { return nil }
            let digits = line.first == UInt8(ascii: "-") ? line.dropFirst() : line[...]
            guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw RESPError(.malformedReply, "a big number must be decimal digits")
            }
            return .bigNumber(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: "*"):
            return try aggregate(&reader, depth: depth).map { $0.map(RESPValue.array) ?? .null }
        case UInt8(ascii: "~"):
            return try nonNullAggregate(&reader, depth: depth, kind: "set").map(RESPValue.set)
        case UInt8(ascii: ">"):
            return try nonNullAggregate(&reader, depth: depth, kind: "push").map(RESPValue.push)
        case UInt8(ascii: "%"):
            guard let count = try count(&reader, pairs: true) else { return nil }
            guard let count else { throw RESPError(.malformedReply, "a map may not be null") }
            var pairs: [RESPValue.Pair] = []
            pairs.reserveCapacity(min(count, 1024))
            for _ in 0..<count {
                guard let key = try nested(&reader, depth: depth), let value = try nested(&reader, depth: depth) else {
                    return nil
                }
                pairs.append(.init(key: key, value: value))
            }
            return .map(pairs)
        case UInt8(ascii: "|"):
            // Attributes annotate the value that follows; nothing here needs them.
            guard let count = try count(&reader, pairs: true) else { return nil }
            guard let count else { throw RESPError(.malformedReply, "an attribute may not be null") }
            for _ in 0..<(2 * count) {
                guard try nested(&reader, depth: depth) != nil else { return nil }
            }
            return try nested(&reader, depth: depth)
        default:
            throw RESPError(.malformedReply, "unknown type byte 0x\(String(marker, radix: 16))")
        }
    }

    private func nested(_ reader: inout Reader, depth: Int) throws(RESPError) -> RESPValue? {
        guard depth + 1 < limits.maxDepth else {
            throw RESPError(.replyTooLarge, "reply nested deeper than \(limits.maxDepth) levels")
        }
        return try value(&reader, depth: depth + 1)
    }

    /// `nil` when incomplete; `.some(nil)` for a RESP2 null array.
    private func aggregate(_ reader: inout Reader, depth: Int) throws(RESPError) -> [RESPValue]?? {
        guard let count = try count(&reader, pairs: false) else { return nil }
        guard let count else { return .some(nil) }
        var values: [RESPValue] = []
        values.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            guard let value = try nested(&reader, depth: depth) else { return nil }
            values.append(value)
        }
        return .some(values)
    }

    private func nonNullAggregate(_ reader: inout Reader, depth: Int, kind: String) throws(RESPError)
        -> [RESPValue]?
    {
        guard let values = try aggregate(&reader, depth: depth) else { return nil }
        guard let values else { throw RESPError(.malformedReply, "a \(kind) may not be null") }
        return values
    }

    /// An aggregate's element count: `nil` when incomplete, `.some(nil)` for `-1`.
    private func count(_ reader: inout Reader, pairs: Bool) throws(RESPError) -> Int?? {
        guard let count = try integerLine(&reader, what: "element count") else { return nil }
        if count == -1 { return .some(nil) }
        guard count >= 0 else { throw RESPError(.malformedReply, "negative element count \(count)") }
        guard count <= limits.maxElements / (pairs ? 2 : 1) else {
            throw RESPError(.replyTooLarge, "reply declares \(count) elements, more than \(limits.maxElements)")
        }
        return .some(Int(count))
    }

    /// A length-prefixed string: `nil` when incomplete, `.some(nil)` for `$-1`.
    private func blob(_ reader: inout Reader) throws(RESPError) -> [UInt8]?? {
        guard let length = try integerLine(&reader, what: "length") else { return nil }
        if length == -1 { return .some(nil) }
        guard length >= 0 else { throw RESPError(.malformedReply, "negative length \(length)") }
        guard length <= limits.maxBulkLength else {
            throw RESPError(.replyTooLarge, "bulk string of \(length) bytes, more than \(limits.maxBulkLength)")
        }
        guard reader.remaining >= Int(length) + 2 else { return nil }
        let bytes = reader.take(Int(length))
        guard reader.byte() == 0x0D, reader.byte() == 0x0A else {
            throw RESPError(.malformedReply, "bulk string not followed by CRLF")
        }
        return .some(bytes)
    }

    /// The bytes before the next CRLF, consumed with it; `nil` when no CRLF has arrived yet.
    private func line(_ reader: inout Reader) throws(RESPError) -> [UInt8]? {
        guard let length = try lineLength(reader) else { return nil }
        let bytes = reader.take(length)
        reader.offset += 2
        return bytes
    }

    /// The integer on the next line, read where it lies instead of copied out first: every
    /// length and count of a reply is one of these.
    private func integerLine(_ reader: inout Reader, what: String) throws(RESPError) -> Int64? {
        guard let length = try lineLength(reader) else { return nil }
        let value = try integer(reader.bytes[reader.offset..<reader.offset + length], what: what)
        reader.offset += length + 2
        return value
    }

    /// The length of the next line without its CRLF; `nil` while the line is incomplete.
    private func lineLength(_ reader: Reader) throws(RESPError) -> Int? {
        guard let cr = reader.firstOffset(of: 0x0D) else {
            if reader.remaining > limits.maxLineLength {
                throw RESPError(.replyTooLarge, "line longer than \(limits.maxLineLength) bytes")
            }
            return nil
        }
        let length = cr - reader.offset
        guard length <= limits.maxLineLength else {
            throw RESPError(.replyTooLarge, "line longer than \(limits.maxLineLength) bytes")
        }
        guard reader.remaining > length + 1 else { return nil }
        guard reader.bytes[cr + 1] == 0x0A else { throw RESPError(.malformedReply, "CR not followed by LF") }
        return length
    }

    private func integer(_ line: Slice<UnsafeRawBufferPointer>, what: String) throws(RESPError) -> Int64 {
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

    /// A cursor over the bytes of a buffer being decoded.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        var remaining: Int { bytes.count - offset }

        /// The next byte, consumed; `nil` at the end.
        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        /// The next `count` bytes, consumed; the caller has checked that they are there.
        mutating func take(_ count: Int) -> [UInt8] {
            defer { offset += count }
            return Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
        }

        /// Where the next `byte` lies, counted from the start of the bytes, or `nil`.
        func firstOffset(of byte: UInt8) -> Int? {
            var index = offset
            while index < bytes.count {
                if bytes[index] == byte { return index }
                index += 1
            }
            return nil
        }
    }
}
