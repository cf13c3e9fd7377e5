/// Lowercase hexadecimal.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        // Written straight into the string's storage: handles are made on every write's event.
        String(unsafeUninitializedCapacity: bytes.count * 2) { write(bytes, into: $0) }
    }

    /// Appends the lowercase hex of `bytes` to `output`.
    static func append(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        // Written on the stack and appended in one copy: appending digit by digit checks the
        // array's capacity each time.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count * 2) { hex in
            _ = write(bytes, into: hex)
            output.append(contentsOf: hex)
        }
    }

    /// Writes the two digits of each byte into `output`, which has room for them; returns how
    /// many were written.
    private static func write(_ bytes: some Collection<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var index = 0
        for byte in bytes {
            output[index] = digits[Int(byte >> 4)]
            output[index + 1] = digits[Int(byte & 15)]
            index += 2
        }
        return index
    }

    /// Decodes lowercase hex; `nil` on odd length or any other character.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var output = [UInt8]()
        output.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(of: utf8[index]), let low = value(of: utf8[index + 1]) else { return nil }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }

    private static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
