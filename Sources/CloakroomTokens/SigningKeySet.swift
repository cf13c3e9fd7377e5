import Cloakroom
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The signing keys of a service: the first signs new tokens, all of them verify.
///
/// Rotating means adding a new key in front: tokens signed by the older ones keep verifying
/// until they expire, and the key can be removed after the access-token lifetime has passed.
///
/// The keys file (`CLOAKROOM_JWT_KEYS_FILE`) is JSON:
///
/// ```json
/// {"keys": [{"kid": "2026-11-28-3fa85f64", "alg": "ES256", "private_key": "-----BEGIN PRIVATE KEY-----\n…"}]}
/// ```
public struct SigningKeySet: Sendable {
    /// The keys, the signing one first.
    public let keys: [SigningKey]

    /// The key new tokens are signed with.
    public var current: SigningKey { keys[0] }

    /// Creates a set.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` when there are no keys or
    ///   two share an ID.
    public init(keys: [SigningKey]) throws(CloakroomError) {
        guard !keys.isEmpty else {
            throw CloakroomError(.invalidConfiguration, "a signing key set needs at least one key")
        }
        var seen: Set<String> = []
        for key in keys where !seen.insert(key.id).inserted {
            throw CloakroomError(.invalidConfiguration, "two signing keys share the ID '\(key.id)'; IDs must be unique")
        }
        self.keys = keys
    }

    /// The set with `key` added in front, so that it signs from now on.
    public func adding(_ key: SigningKey) throws(CloakroomError) -> SigningKeySet {
        try SigningKeySet(keys: [key] + keys)
    }

    /// The public keys as a JWK Set (RFC 7517 §5), for `/.well-known/jwks.json`.
    public var jwks: JWKSet { JWKSet(keys: keys.map(\.publicJWK)) }

    // MARK: The keys file

    struct FileEntry: Codable {
        var kid: String
        var alg: String
        var privateKey: String

        enum CodingKeys: String, CodingKey {
            case kid, alg
            case privateKey = "private_key"
        }
    }

    struct File: Codable {
        var keys: [FileEntry]
    }

    /// The keys file's JSON.
    public func fileContents() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(
            File(keys: keys.map { FileEntry(kid: $0.id, alg: $0.algorithm.rawValue, privateKey: $0.pem) })
        )
    }

    /// Reads a keys file.
    ///
    /// - Parameters:
    ///   - path: the keys file.
    ///   - setting: how errors name where the path came from.
    /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` naming the file and what is
    ///   wrong in it; never quoting key material.
    public static func load(path: String, setting: String = "CLOAKROOM_JWT_KEYS_FILE") throws(CloakroomError)
        -> SigningKeySet
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CloakroomError(
                .invalidConfiguration,
                "\(setting): cannot read '\(path)'; check it exists and is readable"
            )
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw CloakroomError(
                .invalidConfiguration,
                "\(setting): '\(path)' must be JSON {\"keys\": [{\"kid\", \"alg\": \"ES256\"|\"EdDSA\"|\"RS256\", \"private_key\": \"<PEM>\"}]}"
            )
        }
        var keys: [SigningKey] = []
        for (index, entry) in file.keys.enumerated() {
            guard let algorithm = SigningAlgorithm(name: entry.alg) else {
                throw CloakroomError(
                    .invalidConfiguration,
                    "\(setting): key \(index + 1) in '\(path)' has alg '\(entry.alg.prefix(20))'; use ES256, EdDSA or RS256"
                )
            }
            do {
                keys.append(try SigningKey(id: entry.kid, algorithm: algorithm, pem: entry.privateKey))
            } catch {
                throw CloakroomError(.invalidConfiguration, "\(setting): '\(path)': \(error.message)")
            }
        }
        do {
            return try SigningKeySet(keys: keys)
        } catch {
            throw CloakroomError(.invalidConfiguration, "\(setting): '\(path)': \(error.message)")
        }
    }

    /// Reads the keys file, or creates it with one fresh key when there is none.
    ///
    /// Creation is atomic: when several instances start at once on one data folder, all of them
    /// end up with the same key.
    ///
    /// - Returns: the set, and whether the file was created by this call.
    public static func loadOrCreate(
        path: String,
        algorithm: SigningAlgorithm = .es256,
        setting: String = "CLOAKROOM_JWT_KEYS_FILE"
    ) throws(CloakroomError) -> (keys: SigningKeySet, created: Bool) {
        if FileManager.default.fileExists(atPath: path) {
            return (try load(path: path, setting: setting), false)
        }
        let fresh = try SigningKeySet(keys: [SigningKey.generate(algorithm)])
        let created = try fresh.write(to: path, replacing: false, setting: setting)
        return created ? (fresh, true) : (try load(path: path, setting: setting), false)
    }

    /// Writes the keys file with mode 0600, atomically: readers see the old file or the new one.
    ///
    /// - Parameters:
    ///   - path: the keys file.
    ///   - replacing: whether an existing file is replaced; when not, an existing file is
    ///     left alone and the call returns `false`.
    ///   - setting: how errors name where the path came from.
    @discardableResult
    public func write(to path: String, replacing: Bool, setting: String = "CLOAKROOM_JWT_KEYS_FILE")
        throws(CloakroomError) -> Bool
    {
        do {
            return try PrivateFile.write(try fileContents(), to: path, placement: replacing ? .replace : .createNew)
        } catch {
            throw CloakroomError(
                .invalidConfiguration,
                "\(setting): cannot write '\(path)': \(error); check the folder is writable"
            )
        }
    }
}

/// A JSON Web Key Set: `{"keys": [...]}`.
public struct JWKSet: Sendable, Hashable, Codable {
    /// The public keys.
    public var keys: [PublicJWK]
}
