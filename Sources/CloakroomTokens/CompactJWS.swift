import Cloakroom
import Foundation

/// A compact JWS split and its header read, before any signature work: the cheap checks that
/// turn away malformed input with a precise reason.
struct CompactJWS {
    /// The protected header fields Cloakroom looks at.
    struct Header: Decodable {
        var alg: String
        var kid: String?
        var typ: String?
        var crit: [String]?
    }

    let header: Header
    /// The decoded payload bytes (not yet trusted).
    let payload: [UInt8]

    /// Splits `token` into its three base64url parts and decodes the header.
    ///
    /// - Throws: ``TokenError/Code/malformed`` for anything that is not `header.payload.signature`
    ///   of strict base64url with a JSON header naming `alg`, or longer than `maximumLength`.
    init(_ token: String, maximumLength: Int) throws(TokenError) {
        guard token.utf8.count <= maximumLength else {
            throw TokenError(.malformed, "the token is over \(maximumLength) bytes")
        }
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw TokenError(.malformed, "a JWT has three dot-separated parts; this has \(parts.count)")
        }
        guard let headerBytes = Base64URL.decode(Substring(parts[0])),
            let payload = Base64URL.decode(Substring(parts[1])),
            let signature = Base64URL.decode(Substring(parts[2]))
        else {
            throw TokenError(.malformed, "a JWT part is not unpadded base64url")
        }
        guard !signature.isEmpty else {
            throw TokenError(.malformed, "the token has no signature (unsigned tokens are never accepted)")
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes)) else {
            throw TokenError(.malformed, "the JWT header is not a JSON object with a string 'alg'")
        }
        if let critical = header.crit, !critical.isEmpty {
            throw TokenError(.malformed, "the JWT header lists critical extensions, which are not supported")
        }
        self.header = header
        self.payload = payload
    }
}
