/// A ``SessionKey`` as the memory store's tables hold it: four machine words, hashed by one of
/// them (the tables hold millions, and look one up on every request).
struct PackedSessionKey: Hashable, Sendable {
    private let bytes: Bytes32

    /// Packs the key's 32 bytes.
    init(_ key: SessionKey) {
        bytes = key.storage
    }

    /// The key again, as the stores' public type.
    var sessionKey: SessionKey {
        SessionKey(storage: bytes)
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.bytes == rhs.bytes
    }

    func hash(into hasher: inout Hasher) {
        // The key is a SHA-256 digest, so one word carries all the spread a table needs; the
        // hasher's per-process seed keeps bucket positions unpredictable all the same.
        hasher.combine(bytes.words.0)
    }
}
