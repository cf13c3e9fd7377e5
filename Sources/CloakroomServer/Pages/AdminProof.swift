import Cloakroom
import Crypto
import Foundation

/// Proves a page session was signed in with an admin API key.
///
/// Session data can be written by any holder of a `sessions` API key, so an "is admin" flag in
/// it would be forgeable. Instead the session holds the key's name and an HMAC of the session's
/// key under the API key's SHA-256, which only the server knows; removing the API key (or its
/// admin scope) ends the dashboard access of every session it signed in.
enum AdminProof {
    static let keyNameField = "admin_key"
    static let proofField = "admin_proof"

    static func make(for sessionKey: SessionKey, apiKey: APIKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("cloakroom-admin:".utf8) + sessionKey.bytes,
            using: SymmetricKey(data: Array(apiKey.sha256.utf8))
        )
        return Base64URL.encode(Array(mac))
    }

    /// The admin key behind the session, when its proof holds.
    static func verify(_ session: Session, keys: APIKeyRing) -> APIKey? {
        guard let name = try? session.data.decode(String.self, forKey: keyNameField),
            let proof = try? session.data.decode(String.self, forKey: proofField),
            let key = keys.keys.first(where: { $0.name == name }), key.allows(.admin)
        else { return nil }
        let expected = make(for: session.key, apiKey: key)
        return ConstantTime.equal(proof.utf8, expected.utf8) ? key : nil
    }
}
