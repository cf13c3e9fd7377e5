extension PostgresStoreConfiguration: CustomDebugStringConvertible, CustomReflectable {
    /// The URL without its password, as ``description``.
    public var debugDescription: String { description }

    /// The URL without its password: `dump()` must not list the password field.
    public var customMirror: Mirror { Mirror(self, children: ["url": description], displayStyle: .struct) }
}
