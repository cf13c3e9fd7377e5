/// The signature algorithms Cloakroom signs access tokens with.
///
/// Each key has exactly one; a token is verified only with the algorithm of the key its `kid`
/// names, whatever its header claims, so `none` and HMAC-with-a-public-key never get through.
public enum SigningAlgorithm: String, Sendable, Hashable, CaseIterable, Codable {
    /// ECDSA on P-256 with SHA-256: small tokens, fast, the default.
    case es256 = "ES256"
    /// Ed25519 signatures.
    case eddsa = "EdDSA"
    /// RSA PKCS #1 v1.5 with SHA-256 and a 2048-bit key, for verifiers that know nothing else.
    case rs256 = "RS256"

    /// Parses the JOSE name (`ES256`, `EdDSA`, `RS256`), ignoring case; `nil` for anything else.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
            return nil
        }
        self = match
    }
}
