import Crypto
import Foundation

/// What an API key may do.
public enum APIScope: String, Codable, Sendable, Hashable, CaseIterable {
    /// The sessions and users calls.
    case sessions
    /// The tokens calls.
    case tokens
    /// Everything, including the admin calls.
    case admin
}

/// One API key as the keys file holds it: a name, scopes and the SHA-256 of the secret.
public struct APIKey: Codable, Sendable, Hashable {
    /// A name for people and logs; never the secret.
    public var name: String
    /// What the key may do.
    public var scopes: Set<APIScope>
    /// Lowercase hex of SHA-256 of the secret.
    public var sha256: String

    /// Creates a key entry.
    public init(name: String, scopes: Set<APIScope>, sha256: String) {
        self.name = name
        self.scopes = scopes
        self.sha256 = sha256
    }

    /// Whether the key grants `scope` (`admin` grants everything).
    public func allows(_ scope: APIScope) -> Bool {
        scopes.contains(scope) || scopes.contains(.admin)
    }

    /// Creates a fresh secret and its key entry. The secret is `ck_` and 43 base64url characters.
    public static func generate(name: String, scopes: Set<APIScope>) -> (secret: String, key: APIKey) {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let secret =
            "ck_"
            + bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return (secret, APIKey(name: name, scopes: scopes, sha256: digest(of: secret)))
    }

    /// The lowercase hex SHA-256 of a secret.
    public static func digest(of secret: some StringProtocol) -> String {
        // Runs on every authenticated request: build the hex by hand, not with String(format:).
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(secret.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
