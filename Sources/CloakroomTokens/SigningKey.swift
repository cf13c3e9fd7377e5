import Cloakroom
import Crypto
import CryptoExtras
import Foundation
import JWTKit

/// One private key that signs access tokens, with its key ID (`kid`) and algorithm.
///
/// Keys are written as PEM (PKCS #8, or PKCS #1 for RSA), as `openssl genpkey` makes them. The
/// public half is published in the JWKS; the private half never leaves the keys file.
public struct SigningKey: Sendable {
    /// The key ID written into every token's header (`kid`).
    public let id: String
    /// The algorithm this key signs with, and the only one tokens naming it may use.
    public let algorithm: SigningAlgorithm
    /// The private key as PEM.
    let pem: String
    /// The public key as a JWK.
    public let publicJWK: PublicJWK
    private let material: Material

    private enum Material: Sendable {
        case es256(ES256PrivateKey)
        case eddsa(EdDSA.PrivateKey)
        case rs256(JWTKit.Insecure.RSA.PrivateKey)
    }

    /// The longest key ID accepted.
    public static let maximumIDLength = 64

    /// Reads a key from PEM.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` when the ID is not 1 to 64
    ///   of `A-Z a-z 0-9 . _ -`, or the PEM is not a private key of the algorithm (RSA: at least
    ///   2048 bits). The message never quotes key material.
    public init(id: String, algorithm: SigningAlgorithm, pem: String) throws(CloakroomError) {
        guard Self.isValidID(id) else {
            throw CloakroomError(
                .invalidConfiguration,
                "key ID '\(id.prefix(80))' must be 1 to \(Self.maximumIDLength) of A-Z a-z 0-9 . _ -"
            )
        }
        func unreadable(_ what: String) -> CloakroomError {
            CloakroomError(.invalidConfiguration, "key '\(id)' (\(algorithm.rawValue)): the PEM is not \(what)")
        }
        self.id = id
        self.algorithm = algorithm
        self.pem = pem
        switch algorithm {
        case .es256:
            guard let key = try? P256.Signing.PrivateKey(pemRepresentation: pem),
                let signer = try? ES256PrivateKey(pem: pem)
            else {
                throw unreadable("a P-256 private key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)")
            }
            let point = Array(key.publicKey.x963Representation.dropFirst())  // 04 || x || y
            material = .es256(signer)
            publicJWK = PublicJWK(
                kty: "EC",
                kid: id,
                alg: algorithm.rawValue,
                crv: "P-256",
                x: Base64URL.encode(Array(point[0..<32])),
                y: Base64URL.encode(Array(point[32..<64]))
            )
        case .eddsa:
            guard let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) else {
                throw unreadable("an Ed25519 private key (openssl genpkey -algorithm ed25519)")
            }
            material = .eddsa(EdDSA.PrivateKey(backing: key))
            publicJWK = PublicJWK(
                kty: "OKP",
                kid: id,
                alg: algorithm.rawValue,
                crv: "Ed25519",
                x: Base64URL.encode(Array(key.publicKey.rawRepresentation))
            )
        case .rs256:
            guard let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem),
                let signer = try? JWTKit.Insecure.RSA.PrivateKey(backing: key),
                let primitives = try? key.publicKey.getKeyPrimitives()
            else {
                throw unreadable(
                    "an RSA private key of at least 2048 bits (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048)"
                )
            }
            material = .rs256(signer)
            publicJWK = PublicJWK(
                kty: "RSA",
                kid: id,
                alg: algorithm.rawValue,
                n: Base64URL.encode(Array(primitives.modulus)),
                e: Base64URL.encode(Array(primitives.publicExponent))
            )
        }
    }

    /// Makes a fresh key from the system's CSPRNG.
    ///
    /// - Parameters:
    ///   - algorithm: what the key signs with; ES256 by default.
    ///   - id: the key ID; by default the date and 8 random hex digits, e.g.
    ///     `2026-11-28-3fa85f64`, so rotated keys sort by age.
    ///   - now: the date the default ID starts with.
    public static func generate(
        _ algorithm: SigningAlgorithm = .es256,
        id: String? = nil,
        now: Date = Date()
    ) throws(CloakroomError) -> SigningKey {
        let pem: String
        switch algorithm {
        case .es256: pem = P256.Signing.PrivateKey().pemRepresentation
        case .eddsa: pem = Curve25519.Signing.PrivateKey().pemRepresentation
        case .rs256:
            do {
                pem = try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
            } catch {
                throw CloakroomError(.invalidConfiguration, "cannot generate an RSA key: \(error)")
            }
        }
        return try SigningKey(id: id ?? defaultID(now: now), algorithm: algorithm, pem: pem)
    }

    /// `YYYY-MM-DD-` and 8 random hex digits.
    static func defaultID(now: Date) -> String {
        let day = Int(now.timeIntervalSince1970 / 86_400)
        let (year, month, dayOfMonth) = CivilDate.from(daysSince1970: day)
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        return "\(year)-\(twoDigits(month))-\(twoDigits(dayOfMonth))-"
            + String(repeating: "0", count: 8 - suffix.count) + suffix
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maximumIDLength
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }

    /// Adds this key to a jwt-kit collection under its ID.
    func add(to collection: JWTKeyCollection) async {
        let kid = JWKIdentifier(string: id)
        switch material {
        case .es256(let key): await collection.add(ecdsa: key, kid: kid)
        case .eddsa(let key): await collection.add(eddsa: key, kid: kid)
        case .rs256(let key): await collection.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
        }
    }
}

/// The public half of a signing key as a JSON Web Key (RFC 7517), as published in the JWKS.
public struct PublicJWK: Sendable, Hashable, Codable {
    /// Key type: `EC`, `OKP` or `RSA`.
    public var kty: String
    /// The key ID.
    public var kid: String
    /// The algorithm.
    public var alg: String
    /// Always `sig`.
    public var use = "sig"
    /// Curve, for `EC` and `OKP`.
    public var crv: String?
    /// The x coordinate (`EC`) or the public key (`OKP`), base64url.
    public var x: String?
    /// The y coordinate (`EC`), base64url.
    public var y: String?
    /// The modulus (`RSA`), base64url.
    public var n: String?
    /// The public exponent (`RSA`), base64url.
    public var e: String?

    init(
        kty: String,
        kid: String,
        alg: String,
        crv: String? = nil,
        x: String? = nil,
        y: String? = nil,
        n: String? = nil,
        e: String? = nil
    ) {
        self.kty = kty
        self.kid = kid
        self.alg = alg
        self.crv = crv
        self.x = x
        self.y = y
        self.n = n
        self.e = e
    }
}
