extension RESPConnectionConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The server and the user, never the password.
    public var description: String {
        let user = username.map { "\($0)@" } ?? ""
        let auth = password == nil ? "" : " (password set)"
        return "\(tls == nil ? "redis" : "rediss")://\(user)\(address)/\(database)\(auth)"
    }

    /// As ``description``.
    public var debugDescription: String { description }

    /// The server, user and timeouts: `dump()` must not list the password.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "server": description, "connectTimeout": connectTimeout, "commandTimeout": commandTimeout,
            ],
            displayStyle: .struct
        )
    }
}
