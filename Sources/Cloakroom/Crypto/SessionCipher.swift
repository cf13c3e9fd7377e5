import Crypto
import Foundation

/// Seals and opens session data with AES-256-GCM and a key ring.
///
/// The session key is the associated data, so a ciphertext moved to another record fails to
/// open. Data is sealed with the current key (the first of the ring) and opened with whichever
/// key sealed it; a record sealed with an older key is re-sealed with the current one on its next
/// write. Without keys, data is stored in clear (and tagged as such).
///
/// With keys, a payload stored in clear is refused as corrupt: anyone who can write to the store
/// but holds no key could otherwise plant session data the server would believe. To turn
/// encryption on for a store that already holds sessions, seal them first with
/// `cloakroom reseal` (which asks for ``acceptsPlaintextRecords``), then restart with the keys.
///
/// Payload layout: one format byte, then for `sealed` the key ID's length (one byte), the ID, and
/// GCM's nonce, ciphertext and tag.
public struct SessionCipher: Sendable {
    enum Format: UInt8 {
        case plain = 0x00
        case sealed = 0x01
    }

    /// The keys, the current one first.
    public let keys: [EncryptionKey]
    /// Whether payloads stored in clear are read although keys are set; `false` by default.
    public let acceptsPlaintextRecords: Bool

    /// A cipher that stores data in clear.
    public static let plaintext = SessionCipher(validatedKeys: [])

    /// Creates a cipher with a key ring; the first key is current.
    ///
    /// - Parameters:
    ///   - keys: the key ring, current key first; empty stores data in clear.
    ///   - acceptsPlaintextRecords: read payloads stored in clear although keys are set. Only for
    ///     sealing a store's old records when encryption is turned on (`cloakroom reseal`): while
    ///     it is on, anyone who can write to the store can plant session data.
    /// - Throws: ``CloakroomError/Code/invalidConfiguration`` when two keys share an ID.
    public init(keys: [EncryptionKey], acceptsPlaintextRecords: Bool = false) throws(CloakroomError) {
        var seen = Set<String>()
        for key in keys where !seen.insert(key.id).inserted {
            throw CloakroomError(
                .invalidConfiguration,
                "encryption key ID '\(key.id)' appears twice; give each key its own ID"
            )
        }
        self.keys = keys
        self.acceptsPlaintextRecords = acceptsPlaintextRecords
    }

    private init(validatedKeys: [EncryptionKey]) {
        self.keys = validatedKeys
        self.acceptsPlaintextRecords = false
    }

    /// Whether data is encrypted at rest.
    public var isEncrypting: Bool { !keys.isEmpty }

    /// The ID of the key new payloads are sealed with, if any.
    public var currentKeyID: String? { keys.first?.id }

    /// Seals JSON bytes for the record keyed `key`.
    public func seal(_ plaintext: [UInt8], for key: SessionKey) throws(CloakroomError) -> [UInt8] {
        try key.withUnsafeBytes { context throws(CloakroomError) in try seal(plaintext, authenticating: context) }
    }

    /// Seals `plaintext` bound to `context` (the associated data); in clear without keys.
    func seal(_ plaintext: [UInt8], authenticating context: some DataProtocol) throws(CloakroomError) -> [UInt8] {
        guard let current = keys.first else {
            // One allocation: `[format] + plaintext` would make the one-byte array first.
            var payload = [UInt8]()
            payload.reserveCapacity(1 + plaintext.count)
            payload.append(Format.plain.rawValue)
            payload.append(contentsOf: plaintext)
            return payload
        }
        do {
            let box = try AES.GCM.seal(plaintext, using: current.key, authenticating: context)
            guard let combined = box.combined else {
                throw CloakroomError(.invalidData, "AES-GCM produced no combined output")
            }
            let id = Array(current.id.utf8)
            return [Format.sealed.rawValue, UInt8(id.count)] + id + Array(combined)
        } catch let error as CloakroomError {
            throw error
        } catch {
            throw CloakroomError(.invalidData, "session data could not be sealed (\(type(of: error)))")
        }
    }

    /// Opens a payload written by ``seal(_:for:)`` for the record keyed `key`.
    ///
    /// - Throws: ``CloakroomError/Code/decryptionFailed`` when the key that sealed it is not in the
    ///   ring or the payload was altered or moved; ``CloakroomError/Code/corruptRecord`` when the
    ///   bytes are not a payload at all.
    public func open(_ payload: [UInt8], for key: SessionKey) throws(CloakroomError) -> [UInt8] {
        Array(try openedBytes(payload, for: key))
    }

    /// ``open(_:for:)`` without copying a payload stored in clear: every read of a session's data
    /// passes here.
    func openedBytes(_ payload: [UInt8], for key: SessionKey) throws(CloakroomError) -> ArraySlice<UInt8> {
        try key.withUnsafeBytes { context throws(CloakroomError) in
            try open(payload, authenticating: context, what: "stored session \(key.handle)")
        }
    }

    /// Opens what ``seal(_:authenticating:)`` sealed for `context`; `what` names it in errors,
    /// and is made only for one.
    func open(
        _ payload: [UInt8],
        authenticating context: some DataProtocol,
        what: @autoclosure () -> String
    ) throws(CloakroomError) -> ArraySlice<UInt8> {
        guard let first = payload.first, let format = Format(rawValue: first) else {
            throw CloakroomError(.corruptRecord, "\(what()) has an unknown payload format")
        }
        switch format {
        case .plain:
            guard keys.isEmpty || acceptsPlaintextRecords else {
                throw CloakroomError(
                    .corruptRecord,
                    "\(what()) is not encrypted although encryption keys are configured; it was written before encryption was turned on (seal such records with `cloakroom reseal`) or planted by someone without the key"
                )
            }
            return payload.dropFirst()
        case .sealed:
            guard payload.count >= 2 else {
                throw CloakroomError(.corruptRecord, "\(what()) has a truncated payload")
            }
            let idLength = Int(payload[1])
            let idEnd = 2 + idLength
            guard payload.count >= idEnd + 12 + 16 else {
                throw CloakroomError(.corruptRecord, "\(what()) has a truncated payload")
            }
            let id = String(decoding: payload[2..<idEnd], as: UTF8.self)
            guard let sealingKey = keys.first(where: { $0.id == id }) else {
                throw CloakroomError(
                    .decryptionFailed,
                    "\(what()) was sealed with encryption key '\(id)', which is not configured; add it back to CLOAKROOM_ENCRYPTION_KEYS (after the current key)"
                )
            }
            do {
                let box = try AES.GCM.SealedBox(combined: payload[idEnd...])
                return ArraySlice(try AES.GCM.open(box, using: sealingKey.key, authenticating: context))
            } catch {
                throw CloakroomError(
                    .decryptionFailed,
                    "\(what()) failed authentication with key '\(id)': it was altered or belongs to another record"
                )
            }
        }
    }

    /// Whether a payload should be re-sealed on its next write (clear or under an older key).
    public func needsResealing(_ payload: [UInt8]) -> Bool {
        guard let current = keys.first else { return payload.first != Format.plain.rawValue }
        guard payload.count >= 2, payload[0] == Format.sealed.rawValue else { return true }
        let idLength = Int(payload[1])
        guard payload.count >= 2 + idLength else { return true }
        return !payload[2..<(2 + idLength)].elementsEqual(current.id.utf8)
    }
}
