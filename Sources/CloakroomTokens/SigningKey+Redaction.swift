extension SigningKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The key ID and algorithm; never the private key.
    public var description: String { "SigningKey(\(id), \(algorithm.rawValue))" }

    /// The key ID and algorithm, as ``description``.
    public var debugDescription: String { description }

    /// The key ID and algorithm only: `dump()` must not list the private key.
    public var customMirror: Mirror {
        Mirror(self, children: ["id": id, "algorithm": algorithm.rawValue], displayStyle: .struct)
    }
}
