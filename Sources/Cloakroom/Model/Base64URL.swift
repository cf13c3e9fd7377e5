/// Strict base64url (RFC 4648 §5) without padding: the encoding of IDs, tokens and JWS parts.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in alphabet.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        return table
    }()

    /// The unpadded base64url text of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            output.append(alphabet[Int(chunk >> 6 & 63)])
            output.append(alphabet[Int(chunk & 63)])
            index += 3
        }
        let remaining = bytes.count - index
        if remaining == 1 {
            let chunk = UInt32(bytes[index]) << 16
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
        } else if remaining == 2 {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            output.append(alphabet[Int(chunk >> 6 & 63)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes exactly `expectedByteCount` bytes, or returns `nil`.
    ///
    /// Rejects padding, foreign characters, wrong lengths and non-zero trailing bits, so every
    /// byte string has exactly one accepted spelling.
    public static func decode(_ text: some StringProtocol, expectedByteCount: Int) -> [UInt8]? {
        // Decoded from contiguous bytes: iterating a generic string view costs a witness call
        // per character, more than the decoding itself.
        if let decoded = text.utf8.withContiguousStorageIfAvailable({
            decodeContiguous($0, expectedByteCount: expectedByteCount)
        }) {
            return decoded
        }
        return Array(text.utf8).withUnsafeBufferPointer { decodeContiguous($0, expectedByteCount: expectedByteCount) }
    }

    private static func decodeContiguous(_ text: UnsafeBufferPointer<UInt8>, expectedByteCount: Int) -> [UInt8]? {
        guard text.count == (expectedByteCount * 4 + 2) / 3 else { return nil }
        let reverse = reverse
        var output = [UInt8]()
        output.reserveCapacity(expectedByteCount)
        var buffer: UInt32 = 0
        var bits = 0
        for character in text {
            let value = reverse[Int(character)]
            guard value != 0xFF else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero: otherwise two spellings would name the same ID.
        guard buffer & ((1 << UInt32(bits)) - 1) == 0, output.count == expectedByteCount else { return nil }
        return output
    }

    /// Decodes unpadded base64url of any length, or returns `nil` (same strictness as above).
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let length = text.utf8.count
        guard length % 4 != 1 else { return nil }
        return decode(text, expectedByteCount: length * 3 / 4)
    }
}
