import Cloakroom
import Crypto
import Foundation

/// Proves a page session was signed in with an admin API key.
///
/// The proof lives in the session's data under keys reserved for Cloakroom
/// (``Cloakroom/SessionData/reservedKeyPrefix``), which the HTTP API refuses to write: any holder
/// of a `sessions` key can write any other data, so only the server's own sign-in page can put a
/// proof there. The proof is the key's name and an HMAC of the session's key under the API key's
/// SHA-256: it binds the grant to that exact key, so removing the key, taking its admin scope or
/// giving its name to a new secret ends the dashboard access of every session it signed in. The
/// HMAC is not what keeps the proof unforgeable (the SHA-256 sits in the keys file, which may
/// leak); the reserved keys are.
enum AdminProof {
    static let keyNameField = SessionData.reservedKeyPrefix + "admin_key"
    static let proofField = SessionData.reservedKeyPrefix + "admin_proof"

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
