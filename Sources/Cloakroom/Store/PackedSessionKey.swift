/// A ``SessionKey`` as four machine words: compared, hashed and kept inline, with no heap array
/// of its own (the memory store's records and index hold millions of them).
struct PackedSessionKey: Hashable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// Packs the key's 32 bytes.
    init(_ key: SessionKey) {
        words = key.bytes.withUnsafeBytes { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
    }

    /// The key again, as the stores' public type.
    var sessionKey: SessionKey {
        // Loaded and stored in the same byte order, so the bytes come back as they were.
        withUnsafeBytes(of: words) { SessionKey(bytes: $0)! }
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.words == rhs.words
    }

    func hash(into hasher: inout Hasher) {
        // The key is a SHA-256 digest, so one word carries all the spread a table needs; the
        // hasher's per-process seed keeps bucket positions unpredictable all the same.
        hasher.combine(words.0)
    }
}
