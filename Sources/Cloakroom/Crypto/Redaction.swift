// What `dump()`, `Mirror` and debuggers show of values that hold secrets: never the secret.
// `description` is redacted on each type itself; these cover reflection, which would otherwise
// list the stored properties (an ID's bytes, a key's bytes).

extension SessionID: CustomReflectable, CustomDebugStringConvertible {
    /// No children: the ID's bytes must never reach a log or a dump.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Redacted, as ``description``.
    public var debugDescription: String { description }
}

extension EncryptionKey: CustomReflectable, CustomDebugStringConvertible {
    /// Only the key's ID: the key bytes must never be printed.
    public var customMirror: Mirror { Mirror(self, children: ["id": id], displayStyle: .struct) }

    /// Only the key's ID, as ``description``.
    public var debugDescription: String { description }
}

extension SessionCipher: CustomReflectable {
    /// The key IDs and the plaintext rule; never key bytes.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["keys": keys.map(\.id), "acceptsPlaintextRecords": acceptsPlaintextRecords],
            displayStyle: .struct
        )
    }
}
