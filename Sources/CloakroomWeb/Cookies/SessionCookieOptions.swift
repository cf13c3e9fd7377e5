import Foundation

/// How the session cookie is named and flagged.
///
/// The defaults are the safe ones: `Secure`, `HttpOnly`, `SameSite=Lax`, `Path=/` and the
/// `__Host-` name prefix, which makes browsers refuse the cookie from plain HTTP or from a
/// subdomain. A `Secure` cookie shared with subdomains (``domain``) carries the `__Secure-`
/// prefix, so no plain-HTTP page can set it. Weakening any of them needs an option named for
/// what it gives up.
public struct SessionCookieOptions: Sendable, Hashable {
    /// The `SameSite` attribute.
    public enum SameSite: String, Sendable, Hashable {
        /// Sent on same-site requests and top-level cross-site navigations (links), not on
        /// cross-site form posts or fetches. The default.
        case lax = "Lax"
        /// Sent on same-site requests only; following a link from another site arrives signed out.
        case strict = "Strict"
        /// Sent on every request, cross-site included; needs `Secure`, so it cannot be combined
        /// with ``SessionCookieOptions/allowsInsecureTransport``.
        case none = "None"
    }

    /// The cookie's name without prefix; `session` by default.
    public var baseName: String
    /// The `SameSite` attribute; ``SameSite/lax`` by default.
    public var sameSite: SameSite
    /// Whether the cookie carries `Expires` (following the session's idle deadline, re-sent only
    /// when that deadline moves); when `false` the cookie lasts until the browser closes.
    public var persistent: Bool
    /// The `Domain` attribute, to share the cookie with subdomains. `nil` (the default) keeps it
    /// to the exact host and allows the `__Host-` prefix.
    public var domain: String?
    /// Leaves out `Secure` so the cookie also travels over plain HTTP. Only for local development
    /// over `http://`; never in production, where it exposes sessions to anyone on the network.
    public var allowsInsecureTransport: Bool

    /// Creates options; every default is the safe choice.
    public init(
        baseName: String = "session",
        sameSite: SameSite = .lax,
        persistent: Bool = true,
        domain: String? = nil,
        allowsInsecureTransport: Bool = false
    ) {
        self.baseName = baseName
        self.sameSite = sameSite
        self.persistent = persistent
        self.domain = domain
        self.allowsInsecureTransport = allowsInsecureTransport
    }

    /// The name on the wire: `__Host-` + ``baseName`` when the cookie is `Secure` and host-only,
    /// `__Secure-` + ``baseName`` when it is `Secure` with a ``domain``, and ``baseName`` alone
    /// only with ``allowsInsecureTransport``.
    public var name: String {
        guard !allowsInsecureTransport else { return baseName }
        return (domain == nil ? "__Host-" : "__Secure-") + baseName
    }

    /// Checks the options fit together; a middleware calls this when it is created.
    public func validate() throws(OptionsError) {
        guard !baseName.isEmpty, baseName.utf8.allSatisfy(Self.isTokenCharacter) else {
            throw OptionsError(
                .invalidCookieName,
                "cookie name '\(baseName)' is not a valid cookie token; use letters, digits, - and _"
            )
        }
        // Browsers drop a cookie whose name and value pass 4096 bytes; the value is always an ID.
        if name.utf8.count + 1 + Self.valueLength > Self.maximumCookieLength {
            throw OptionsError(
                .invalidCookieName,
                "cookie name '\(baseName)' is too long: with its value the cookie would pass \(Self.maximumCookieLength) bytes, which browsers drop; choose a shorter name"
            )
        }
        if sameSite == .none, allowsInsecureTransport {
            throw OptionsError(
                .insecureCombination,
                "SameSite=None needs Secure; drop allowsInsecureTransport or choose .lax"
            )
        }
        if let domain, domain.isEmpty || domain.utf8.contains(where: { $0 == 0x3B || $0 <= 0x20 || $0 == 0x2C }) {
            throw OptionsError(
                .invalidDomain,
                "cookie domain '\(domain)' is not a host name; leave it nil for a host-only cookie"
            )
        }
    }

    /// The `Set-Cookie` value handing the client `value`, expiring at `expires` when persistent.
    ///
    /// The middleware sets its cookie itself; this is for code that hands out a session outside
    /// it (a redirect from another service, say) and wants the same attributes.
    public func setCookie(value: String, expires: Date?) -> String {
        let name = name
        let attributes = attributes
        var text = ""
        text.reserveCapacity(name.utf8.count + value.utf8.count + attributes.utf8.count + 48)
        text += name
        text += "="
        text += value
        text += "; Path=/"
        if persistent, let expires {
            text += "; Expires="
            text += HTTPDate.format(expires)
        }
        text += attributes
        return text
    }

    /// The `Set-Cookie` value that makes the client forget the cookie.
    public var clearingCookie: String {
        "\(name)=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0" + attributes
    }

    private var attributes: String {
        var text = ""
        if let domain { text += "; Domain=\(domain)" }
        if !allowsInsecureTransport { text += "; Secure" }
        switch sameSite {
        case .lax: text += "; HttpOnly; SameSite=Lax"
        case .strict: text += "; HttpOnly; SameSite=Strict"
        case .none: text += "; HttpOnly; SameSite=None"
        }
        return text
    }

    /// The length of the cookie's value: a session ID's 43 characters.
    static let valueLength = 43
    /// The longest `name=value` browsers keep (RFC 6265 section 6.1, ASVS 3.3.5).
    static let maximumCookieLength = 4096

    /// RFC 6265 `token` characters: visible ASCII except separators.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        guard byte > 0x20, byte < 0x7F else { return false }
        return !"()<>@,;:\\\"/[]?={}".utf8.contains(byte)
    }
}

/// Middleware options that do not fit together.
///
/// Callers switch on ``code``; people read ``message``.
public struct OptionsError: Error, Hashable, CustomStringConvertible {
    /// What is wrong, as a stable value to switch on.
    ///
    /// A struct rather than an enum so that new codes can be added without breaking callers'
    /// `switch` statements: switch with a `default` case.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case invalidCookieName
            case invalidDomain
            case insecureCombination
        }

        let base: Base

        /// The cookie name is not an RFC 6265 token, or too long for browsers to keep.
        public static let invalidCookieName = Code(base: .invalidCookieName)
        /// The cookie domain is not a host name.
        public static let invalidDomain = Code(base: .invalidDomain)
        /// Two options together would weaken the cookie in a way browsers refuse or attackers use,
        /// e.g. `SameSite=None` without `Secure`.
        public static let insecureCombination = Code(base: .insecureCombination)

        /// The code as a stable string, e.g. `invalidCookieName`.
        public var description: String { base.rawValue }
    }

    /// What is wrong.
    public let code: Code
    /// What is wrong and what to do instead.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and the message.
    public var description: String { "\(code): \(message)" }
}
