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
        bytes.withUnsafeBytes { encode($0) }
    }

    /// The unpadded base64url text of `bytes`, written straight into the string's storage.
    static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: (bytes.count * 4 + 2) / 3) { output in
            var written = 0
            func put(_ sextet: UInt32) {
                output[written] = alphabet[Int(sextet & 63)]
                written += 1
            }
            var index = 0
            while index + 3 <= bytes.count {
                let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                put(chunk >> 18)
                put(chunk >> 12)
                put(chunk >> 6)
                put(chunk)
                index += 3
            }
            let remaining = bytes.count - index
            if remaining == 1 {
                let chunk = UInt32(bytes[index]) << 16
                put(chunk >> 18)
                put(chunk >> 12)
            } else if remaining == 2 {
                let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
                put(chunk >> 18)
                put(chunk >> 12)
                put(chunk >> 6)
            }
            return written
        }
    }

    /// Decodes exactly `expectedByteCount` bytes, or returns `nil`.
    ///
    /// Rejects padding, foreign characters, wrong lengths and non-zero trailing bits, so every
    /// byte string has exactly one accepted spelling.
    public static func decode(_ text: some StringProtocol, expectedByteCount: Int) -> [UInt8]? {
        var decoded = false
        let bytes = [UInt8](unsafeUninitializedCapacity: expectedByteCount) { output, count in
            decoded = decode(text, into: UnsafeMutableRawBufferPointer(output))
            count = decoded ? expectedByteCount : 0
        }
        return decoded ? bytes : nil
    }

    /// Decodes exactly 32 bytes (an ID's) into inline storage, or returns `nil`; as strict as
    /// ``decode(_:expectedByteCount:)``.
    static func decode32(_ text: some StringProtocol) -> Bytes32? {
        Bytes32 { decode(text, into: $0) }
    }

    /// Decodes into all of `output`; `false` unless `text` spells exactly that many bytes.
    private static func decode(_ text: some StringProtocol, into output: UnsafeMutableRawBufferPointer) -> Bool {
        // Decoded from contiguous bytes: iterating a generic string view costs a witness call
        // per character, more than the decoding itself.
        if let decoded = text.utf8.withContiguousStorageIfAvailable({ decodeContiguous($0, into: output) }) {
            return decoded
        }
        return Array(text.utf8).withUnsafeBufferPointer { decodeContiguous($0, into: output) }
    }

    private static func decodeContiguous(_ text: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableRawBufferPointer)
        -> Bool
    {
        guard text.count == (output.count * 4 + 2) / 3 else { return false }
        let reverse = reverse
        var buffer: UInt32 = 0
        var bits = 0
        var written = 0
        for character in text {
            let value = reverse[Int(character)]
            guard value != 0xFF else { return false }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                // The length check above bounds the bytes written to the output's size.
                output[written] = UInt8(truncatingIfNeeded: buffer >> UInt32(bits))
                written += 1
            }
        }
        // Leftover bits must be zero: otherwise two spellings would name the same ID.
        return buffer & ((1 << UInt32(bits)) - 1) == 0 && written == output.count
    }

    /// Decodes unpadded base64url of any length, or returns `nil` (same strictness as above).
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let length = text.utf8.count
        guard length % 4 != 1 else { return nil }
        return decode(text, expectedByteCount: length * 3 / 4)
    }
}
