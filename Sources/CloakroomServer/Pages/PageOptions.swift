/// Settings of `cloakroomd`'s web pages.
public struct PageOptions: Sendable, Hashable {
    /// Whether the demo sign-in and "Your sessions" are served. Default: no.
    public var demoSignIn: Bool
    /// The password of every demo account.
    public var demoPassword: String
    /// Whether page cookies leave out `Secure` and the `__Host-` prefix (plain-HTTP development
    /// on a host other than localhost only). Default: no.
    public var insecureCookies: Bool

    /// Creates options; the defaults are the safe ones.
    public init(demoSignIn: Bool = false, demoPassword: String = "demo", insecureCookies: Bool = false) {
        self.demoSignIn = demoSignIn
        self.demoPassword = demoPassword
        self.insecureCookies = insecureCookies
    }
}

extension ServerConfiguration {
    /// The page settings of this configuration.
    public var pageOptions: PageOptions {
        PageOptions(demoSignIn: demoSignIn, demoPassword: demoPassword, insecureCookies: insecureCookies)
    }
}
