import Crypto
import Foundation

/// A named AES-256 key for sealing session data at rest.
public struct EncryptionKey: Sendable, CustomStringConvertible {
    /// The key's name, stored beside each ciphertext so the right key opens it.
    public let id: String
    let key: SymmetricKey

    /// Creates a key from 32 raw bytes.
    ///
    /// - Throws: ``CloakroomError/Code/invalidConfiguration`` when the ID is empty, longer than
    ///   32 characters or not plain ASCII letters, digits, `-` and `_`, or the key is not 32 bytes.
    public init(id: String, bytes: some ContiguousBytes) throws(CloakroomError) {
        let isAllowed = id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default: false
            }
        }
        guard !id.isEmpty, id.utf8.count <= 32, isAllowed
        else {
            throw CloakroomError(
                .invalidConfiguration,
                "encryption key ID '\(id.prefix(40))' must be 1-32 characters of A-Z, a-z, 0-9, '-' or '_'"
            )
        }
        let count = bytes.withUnsafeBytes { $0.count }
        guard count == 32 else {
            throw CloakroomError(
                .invalidConfiguration,
                "encryption key '\(id)' must be 32 bytes (44 base64 characters), got \(count) bytes; create one with `openssl rand -base64 32`"
            )
        }
        self.id = id
        self.key = SymmetricKey(data: bytes)
    }

    /// Creates a fresh random key.
    public static func generate(id: String) throws(CloakroomError) -> EncryptionKey {
        try EncryptionKey(id: id, bytes: SymmetricKey(size: .bits256))
    }

    /// Only the ID: key bytes must never be printed.
    public var description: String { "EncryptionKey(\(id))" }
}
