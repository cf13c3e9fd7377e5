/// Limits that keep a misbehaving or hostile server from taking unbounded memory or stack.
public struct RESPDecoderLimits: Sendable, Hashable {
    /// The longest bulk string accepted, in bytes (Redis's own default is 512 MiB).
    public var maxBulkLength: Int
    /// The most elements one array, set, map or push may declare.
    public var maxElements: Int
    /// The deepest nesting of aggregates.
    public var maxDepth: Int
    /// The longest simple line (simple string, error, number), in bytes.
    public var maxLineLength: Int
    /// The most bytes buffered for one reply that is still incomplete.
    public var maxReplyLength: Int

    /// 64 MiB bulk strings, 1,048,576 elements, depth 32, 64 KiB lines, 128 MiB replies.
    public init(
        maxBulkLength: Int = 64 << 20,
        maxElements: Int = 1 << 20,
        maxDepth: Int = 32,
        maxLineLength: Int = 64 << 10,
        maxReplyLength: Int = 128 << 20
    ) {
        self.maxBulkLength = maxBulkLength
        self.maxElements = maxElements
        self.maxDepth = maxDepth
        self.maxLineLength = maxLineLength
        self.maxReplyLength = maxReplyLength
    }
}
