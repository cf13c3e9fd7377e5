import Cloakroom
import Crypto
import Foundation

/// The API keys `cloakroomd` accepts, loaded from `CLOAKROOM_API_KEYS_FILE`.
public struct APIKeyRing: Sendable {
    /// The keys.
    public let keys: [APIKey]
    /// Each key's SHA-256 as its 32 bytes (empty for an entry whose `sha256` is not 64 lowercase
    /// hex digits, which matches nothing), so a presented secret is compared without making hex.
    private let digests: [[UInt8]]

    /// Creates a ring from key entries.
    public init(keys: [APIKey]) {
        self.keys = keys
        self.digests = keys.map { Self.bytes(ofLowercaseHex: $0.sha256) ?? [] }
    }

    /// The key whose secret this is, or `nil`.
    ///
    /// Every entry is compared in constant time and the loop never stops early, so timing tells
    /// nothing about which bytes matched.
    public func key(forSecret secret: some StringProtocol) -> APIKey? {
        // Every authenticated request comes here: the secret is hashed where its bytes lie.
        let hash =
            secret.utf8.withContiguousStorageIfAvailable { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
            ?? SHA256.hash(data: Array(secret.utf8))
        let digest = hash.withUnsafeBytes { Array($0) }
        var match: Int?
        for (index, candidate) in digests.enumerated() where ConstantTime.equal(candidate, digest) {
            match = index
        }
        return match.map { keys[$0] }
    }

    /// The key an `Authorization: Bearer <key>` header value names, or `nil` when the header is
    /// missing, of another scheme or names no key.
    public func key(forAuthorization header: String?) -> APIKey? {
        guard let header else { return nil }
        let scheme = "bearer ".utf8
        let utf8 = header.utf8
        // The scheme's letters in any case, then exactly one space; compared as bytes, since
        // lowercasing text per request costs more than the rest of the check.
        guard
            utf8.count > scheme.count,
            zip(utf8, scheme).allSatisfy({ sent, expected in
                sent == expected || (expected != UInt8(ascii: " ") && sent | 0x20 == expected)
            })
        else { return nil }
        return key(forSecret: Substring(utf8.dropFirst(scheme.count)))
    }

    /// The bytes 64 lowercase hex digits spell, or `nil` for anything else.
    private static func bytes(ofLowercaseHex hex: String) -> [UInt8]? {
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// Loads the keys file at `path`.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` when the file is missing,
    ///   unreadable or not a JSON array of `{name, scopes, sha256}`.
    public static func load(path: String) throws(CloakroomError) -> APIKeyRing {
        let setting = Setting.apiKeysFile.displayName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CloakroomError(
                .invalidConfiguration,
                "\(setting): cannot read '\(path)'; check it exists and is readable"
            )
        }
        let keys: [APIKey]
        do {
            keys = try JSONDecoder().decode([APIKey].self, from: data)
        } catch {
            throw CloakroomError(
                .invalidConfiguration,
                "\(setting): '\(path)' must be a JSON array of {\"name\", \"scopes\": [\"sessions\"|\"tokens\"|\"admin\"], \"sha256\": \"<64 hex>\"}: \(error)"
            )
        }
        for key in keys {
            guard key.sha256.count == 64, key.sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw CloakroomError(
                    .invalidConfiguration,
                    "\(setting): key '\(key.name)' in '\(path)' needs sha256 as 64 lowercase hex characters (SHA-256 of the secret)"
                )
            }
        }
        return APIKeyRing(keys: keys)
    }

    /// Loads the keys file, or on first start creates it with one admin key.
    ///
    /// - Returns: the ring and, only when the file was just created, the new admin secret, to be
    ///   shown once and never again.
    public static func loadOrCreate(path: String) throws(CloakroomError) -> (ring: APIKeyRing, newSecret: String?) {
        if FileManager.default.fileExists(atPath: path) {
            return (try load(path: path), nil)
        }
        let (secret, key) = APIKey.generate(name: "admin", scopes: [.admin, .sessions, .tokens])
        let created: Bool
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            created = try PrivateFile.write(try encoder.encode([key]), to: path, placement: .createNew)
        } catch {
            throw CloakroomError(
                .invalidConfiguration,
                "\(Setting.apiKeysFile.displayName): cannot create '\(path)': \(error); check the data folder is writable"
            )
        }
        // Another instance starting at the same moment created it first: use that one.
        guard created else { return (try load(path: path), nil) }
        return (APIKeyRing(keys: [key]), secret)
    }
}
