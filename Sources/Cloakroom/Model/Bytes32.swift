/// Exactly 32 bytes kept inline as four machine words: the storage of ``SessionID`` and
/// ``SessionKey``.
///
/// An array would cost a heap allocation per ID parsed and per key hashed, that is two on every
/// request that carries a cookie (BENCHMARKS.md, "Instructions and allocations per request").
struct Bytes32: Hashable, Sendable {
    /// Number of bytes.
    static let count = 32

    /// The bytes in memory order: loaded and stored the same way, so they come back as they were.
    let words: (UInt64, UInt64, UInt64, UInt64)

    /// Copies exactly 32 bytes; the caller has checked the count.
    init(copying raw: UnsafeRawBufferPointer) {
        precondition(raw.count == Self.count, "Bytes32 needs exactly 32 bytes")
        words = (
            raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        )
    }

    /// Copies `bytes`; `nil` unless there are exactly 32.
    init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == Self.count else { return nil }
        self =
            bytes.withContiguousStorageIfAvailable { Self(copying: UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { Self(copying: $0) }
    }

    /// Fills the 32 bytes in place; `fill` returns whether it wrote all of them, else `nil`.
    init?(filling fill: (UnsafeMutableRawBufferPointer) -> Bool) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        guard withUnsafeMutableBytes(of: &words, fill) else { return nil }
        self.words = words
    }

    /// Calls `body` with the 32 bytes.
    func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try Swift.withUnsafeBytes(of: words, body)
    }

    /// The bytes as an array, for APIs that take one.
    var array: [UInt8] { withUnsafeBytes { Array($0) } }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.words == rhs.words
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
