/// The keys one request set, removed or modified, so a conflicting save can re-apply exactly them.
public struct SessionChanges: Sendable {
    /// A key whose new value is worked out from its latest stored value.
    public struct Modification: Sendable {
        /// The data key.
        public var key: String
        /// Gets the stored value (`nil` when absent) and answers the new one (`nil` removes the
        /// key). Runs again on every attempt to save, against what is stored then, so it must
        /// have no side effects beyond its result.
        public var transform: @Sendable (JSONValue?) throws -> JSONValue?

        /// Creates a modification of `key`.
        public init(key: String, transform: @escaping @Sendable (JSONValue?) throws -> JSONValue?) {
            self.key = key
            self.transform = transform
        }

        /// A modification of `key` through `Codable`: `transform` sees the stored value decoded
        /// as `Value` and its answer is encoded back.
        public static func typed<Value: Codable & Sendable>(
            _ key: String,
            _ transform: @escaping @Sendable (Value?) throws -> Value?
        ) -> Modification {
            Modification(key: key) { stored in
                let current = try stored.flatMap { try SessionData([key: $0]).decode(Value.self, forKey: key) }
                guard let next = try transform(current) else { return nil }
                var scratch = SessionData()
                try scratch.set(next, forKey: key)
                return scratch[key]
            }
        }
    }

    /// Keys to set, with their new values.
    public var set: [String: JSONValue]
    /// Keys to remove.
    public var unset: Set<String>
    /// Keys whose new value depends on the stored one (a counter, say), applied after ``set``
    /// and ``unset``, in order. Unlike a value read earlier and then set, a modification never
    /// overwrites a concurrent change: it is re-run against whatever is stored when it saves.
    public var modifications: [Modification]
    /// The values this change set was worked out from (`nil`: the key was absent). When a key's
    /// stored value differs at save time, someone changed it meanwhile and the save is refused
    /// with ``CloakroomError/Code/versionConflict`` instead of overwriting their change.
    public var expectedValues: [String: JSONValue?]

    /// Creates a change set; a key both set and unset ends up set.
    public init(
        set: [String: JSONValue] = [:],
        unset: Set<String> = [],
        modifications: [Modification] = [],
        expectedValues: [String: JSONValue?] = [:]
    ) {
        self.set = set
        self.unset = unset
        self.modifications = modifications
        self.expectedValues = expectedValues
    }

    /// Whether the change set changes nothing.
    public var isEmpty: Bool { self.set.isEmpty && self.unset.isEmpty && modifications.isEmpty }

    /// Applies the sets and removals to `data` (not the modifications, which need the stored
    /// value: see ``applyAll(to:)``).
    public func apply(to data: inout SessionData) {
        for key in unset { data.values[key] = nil }
        for (key, value) in set { data.values[key] = value }
    }

    /// Checks the expected values against `data` as stored, then applies the sets, removals and
    /// modifications.
    ///
    /// - Throws: ``CloakroomError/Code/versionConflict`` when a key no longer holds its expected
    ///   value; whatever a modification throws.
    public func applyAll(to data: inout SessionData) throws {
        for (key, expected) in expectedValues where data.values[key] != expected {
            throw CloakroomError(
                .versionConflict,
                "data key '\(key)' was changed by another request after this one read it; read it again and retry, or change it with modify"
            )
        }
        apply(to: &data)
        for modification in modifications {
            data.values[modification.key] = try modification.transform(data.values[modification.key])
        }
    }
}
