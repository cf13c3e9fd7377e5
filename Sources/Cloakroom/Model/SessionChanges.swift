/// The keys one request set or removed, so a conflicting save can re-apply exactly them.
public struct SessionChanges: Sendable, Hashable {
    /// Keys to set, with their new values.
    public var set: [String: JSONValue]
    /// Keys to remove.
    public var unset: Set<String>

    /// Creates a change set; a key both set and unset ends up set.
    public init(set: [String: JSONValue] = [:], unset: Set<String> = []) {
        self.set = set
        self.unset = unset
    }

    /// Whether the change set changes nothing.
    public var isEmpty: Bool { self.set.isEmpty && self.unset.isEmpty }

    /// Applies the changes to `data`.
    public func apply(to data: inout SessionData) {
        for key in unset { data.values[key] = nil }
        for (key, value) in set { data.values[key] = value }
    }
}
