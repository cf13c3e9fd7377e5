/// Writes ``JSONValue``s as compact JSON with sorted keys, the form session data is stored in.
///
/// Every write of a session encodes its data; `JSONEncoder` and `Codable` cost several times
/// more than appending the bytes directly.
package enum JSONWriter {
    /// A number that is not finite has no JSON form.
    package struct Failure: Error {}

    /// The compact JSON of `value`, object keys in code-point order.
    package static func write(_ value: JSONValue) throws(Failure) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        try append(value, to: &output)
        return output
    }

    /// Appends an object whose members are already in the order they should be written (callers
    /// that build the same object on every request skip the dictionary and the sort).
    ///
    /// An array, not `some Sequence`: callers in other modules cannot specialize a generic here,
    /// and unspecialized, every member's tuple was copied and iterated through run-time type
    /// metadata, ~10,000 instructions per `cloakroomd` resume (BENCHMARKS.md, issue 18).
    package static func append(
        members: [(key: String, value: JSONValue)],
        to output: inout [UInt8]
    ) throws(Failure) {
        output.append(UInt8(ascii: "{"))
        var first = true
        for (key, value) in members {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            append(key, to: &output)
            output.append(UInt8(ascii: ":"))
            try append(value, to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Appends the compact JSON of `value` to `output`.
    package static func append(_ value: JSONValue, to output: inout [UInt8]) throws(Failure) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let bool): output.append(contentsOf: (bool ? "true" : "false").utf8)
        case .number(let number): try append(number, to: &output)
        case .string(let string): append(string, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try append(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            // Sorted by UTF-8 bytes, which is code-point order: stable output for equal objects.
            // The members' positions are sorted in temporary space, on the stack for the small
            // objects session data usually is, instead of in an array made on every write; a
            // position reaches its key and value without hashing the key again.
            try withUnsafeTemporaryAllocation(of: [String: JSONValue].Index.self, capacity: members.count) {
                (space) throws(Failure) in
                var positions = space.prefix(upTo: space.initialize(fromContentsOf: members.indices))
                defer { positions.deinitialize() }
                positions.sort(by: { members[$0].key.utf8.lexicographicallyPrecedes(members[$1].key.utf8) })
                for (index, position) in positions.enumerated() {
                    if index > 0 { output.append(UInt8(ascii: ",")) }
                    let member = members[position]
                    append(member.key, to: &output)
                    output.append(UInt8(ascii: ":"))
                    try append(member.value, to: &output)
                }
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func append(_ number: Double, to output: inout [UInt8]) throws(Failure) {
        guard number.isFinite else { throw Failure() }
        if number.rounded() == number, abs(number) < 0x1p53 {
            output.append(contentsOf: String(Int64(number)).utf8)
        } else {
            // Swift prints the shortest text that reads back as the same Double, in a form JSON
            // accepts ("1.5", "1e-07", "1e+21").
            output.append(contentsOf: number.description.utf8)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `string` as a JSON string, escaped, to `output`.
    ///
    /// The runs of bytes that need no escape (nearly always the whole string) are copied at
    /// once: appending byte by byte checked the array's capacity and uniqueness for every byte,
    /// ~2 % of a `cloakroomd` resume (BENCHMARKS.md, issue 18).
    package static func append(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                appendEscaped(byte, to: &output)
                runStart = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends the escape of a quote, a backslash or a control character.
    private static func appendEscaped(_ byte: UInt8, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        case 0x09: output.append(UInt8(ascii: "t"))
        default:
            output.append(contentsOf: "u00".utf8)
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0x0F)])
        }
    }
}
