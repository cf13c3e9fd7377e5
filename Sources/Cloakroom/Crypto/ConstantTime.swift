/// Comparison of secrets whose time does not depend on where they differ (DESIGN invariant 7).
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes. Only the lengths can be learnt from the time.
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        bytesEqual(a, b)
    }

    /// Whether `a` and `b` hold the same bytes, as the generic `equal(_:_:)` answers. Concrete,
    /// like the overload below: a generic called from another module runs unspecialised, and the
    /// API key and CSRF checks call these on every request they guard.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        bytesEqual(a, b)
    }

    /// Whether two strings hold the same UTF-8 bytes, as the generic `equal(_:_:)` answers.
    public static func equal(_ a: String.UTF8View, _ b: String.UTF8View) -> Bool {
        bytesEqual(a, b)
    }

    private static func bytesEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        // Compared as contiguous bytes: a generic element-by-element walk, unspecialised across
        // modules, costs a metadata look-up per byte (it was an eighth of cloakroomd's CPU).
        let contiguous = a.withContiguousStorageIfAvailable { left in
            b.withContiguousStorageIfAvailable { right in equal(left, right) }
        }
        if let contiguous, let result = contiguous { return result }
        return Array(a).withUnsafeBufferPointer { left in Array(b).withUnsafeBufferPointer { equal(left, $0) } }
    }

    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
