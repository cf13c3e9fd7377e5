extension RedisStoreConfiguration: CustomDebugStringConvertible, CustomReflectable {
    /// The URL without its password, as ``description``.
    public var debugDescription: String { description }

    /// The URL without its password: `dump()` must not list the password in the URL or the
    /// connection settings.
    public var customMirror: Mirror { Mirror(self, children: ["url": description], displayStyle: .struct) }
}
