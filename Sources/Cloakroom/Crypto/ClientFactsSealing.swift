/// Encryption at rest of what a session records about its client: the IP address, user agent and
/// device label are personal data a store does not need in clear, so with encryption keys they
/// are sealed like the session data, each bound to its record and field.
///
/// A sealed field is stored as `~` and the base64url of the sealed bytes. Fields stored in clear
/// before encryption was turned on are read as they are (they are shown to the user, never
/// trusted) and sealed on the record's next write or by `cloakroom reseal`. A sealed field that
/// does not open (moved from another record, altered, or sealed with a key no longer configured)
/// reads as unknown.
///
/// The user ID stays in clear: stores index sessions by it to list and end a user's sessions and
/// to apply the per-user limit in one step. Times, deadlines and the version stay in clear for
/// expiry, pruning and compare-and-set; the record's key is already the SHA-256 of the ID.
extension SessionCipher {
    /// `text` sealed for `field` of the record keyed `key`; `text` itself without keys.
    func sealText(_ text: String, field: String, for key: SessionKey) throws(CloakroomError) -> String {
        guard isEncrypting else { return text }
        let sealed = try seal(Array(text.utf8), authenticating: key.bytes + Array(field.utf8))
        return "~" + Base64URL.encode(sealed)
    }

    /// The clear text of a stored field: opened when sealed, as stored when written in clear,
    /// `nil` when sealed but not openable.
    func openText(_ stored: String, field: String, for key: SessionKey) -> String? {
        guard let sealed = Self.sealedBytes(stored) else { return stored }
        guard isEncrypting,
            let opened = try? open(sealed, authenticating: key.bytes + Array(field.utf8), what: "a client field")
        else { return nil }
        return String(validating: opened, as: UTF8.self)
    }

    /// Whether a stored field should be sealed again: in clear, or sealed with an older key.
    func textNeedsResealing(_ stored: String) -> Bool {
        guard isEncrypting else { return false }
        guard let sealed = Self.sealedBytes(stored) else { return true }
        return needsResealing(sealed)
    }

    /// The sealed bytes of a field written by ``sealText(_:field:for:)``, or `nil` for clear text.
    private static func sealedBytes(_ stored: String) -> [UInt8]? {
        guard stored.utf8.first == UInt8(ascii: "~"), let bytes = Base64URL.decode(stored.dropFirst()),
            bytes.first == Format.sealed.rawValue
        else { return nil }
        return bytes
    }
}

extension SessionMetadata {
    /// These metadata as a store keeps them: the client fields sealed for the record keyed `key`.
    func sealingClientFacts(with cipher: SessionCipher, for key: SessionKey) throws(CloakroomError) -> SessionMetadata {
        guard cipher.isEncrypting else { return self }
        var sealed = self
        sealed.ip = try ip.map { text throws(CloakroomError) in try cipher.sealText(text, field: "ip", for: key) }
        sealed.userAgent = try userAgent.map { text throws(CloakroomError) in
            try cipher.sealText(text, field: "user_agent", for: key)
        }
        sealed.device = try device.map { text throws(CloakroomError) in
            try cipher.sealText(text, field: "device", for: key)
        }
        return sealed
    }

    /// These metadata as a store kept them, with the client fields opened.
    func openingClientFacts(with cipher: SessionCipher, for key: SessionKey) -> SessionMetadata {
        var opened = self
        opened.ip = ip.flatMap { cipher.openText($0, field: "ip", for: key) }
        opened.userAgent = userAgent.flatMap { cipher.openText($0, field: "user_agent", for: key) }
        opened.device = device.flatMap { cipher.openText($0, field: "device", for: key) }
        return opened
    }

    /// Whether any client field is in clear or sealed with an older key.
    func clientFactsNeedResealing(with cipher: SessionCipher) -> Bool {
        [ip, userAgent, device].contains { $0.map(cipher.textNeedsResealing) ?? false }
    }
}

extension StoredSession {
    /// The record as a store keeps it (client fields sealed).
    func sealingClientFacts(with cipher: SessionCipher) throws(CloakroomError) -> StoredSession {
        guard cipher.isEncrypting else { return self }
        var sealed = self
        sealed.metadata = try header.metadata.sealingClientFacts(with: cipher, for: header.key)
        return sealed
    }

    /// The record as the manager works with it (client fields opened).
    func openingClientFacts(with cipher: SessionCipher) -> StoredSession {
        // Every read passes here: without keys, a record with no sealed field needs no copy.
        func looksSealed(_ field: String?) -> Bool { field?.utf8.first == UInt8(ascii: "~") }
        guard
            cipher.isEncrypting || looksSealed(header.metadata.ip) || looksSealed(header.metadata.userAgent)
                || looksSealed(header.metadata.device)
        else { return self }
        var opened = self
        opened.metadata = header.metadata.openingClientFacts(with: cipher, for: header.key)
        return opened
    }
}
