/// Comparison of secrets whose time does not depend on where they differ (DESIGN invariant 7).
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes. Only the lengths can be learnt from the time.
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(a, b) { difference |= left ^ right }
        return difference == 0
    }
}
