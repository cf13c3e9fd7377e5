/// The security headers a framework integration's middleware adds to every response.
///
/// Each is on with a strict value by default; set one to `nil` to leave it out. A handler that
/// sets a header itself keeps its own value.
public struct SecurityHeaders: Sendable, Hashable {
    /// `Strict-Transport-Security`: browsers use HTTPS only, for two years, subdomains included.
    public var strictTransportSecurity: String?
    /// `Content-Security-Policy`: only this origin's scripts, styles, images and forms; no
    /// plugins, no `<base>`, no framing.
    public var contentSecurityPolicy: String?
    /// `X-Content-Type-Options: nosniff`.
    public var contentTypeOptions: String?
    /// `X-Frame-Options: DENY`, for browsers that predate `frame-ancestors`.
    public var frameOptions: String?
    /// `Referrer-Policy`: other sites see the origin only, never paths or queries.
    public var referrerPolicy: String?
    /// `Cross-Origin-Opener-Policy`: other sites' windows get no handle on ours.
    public var crossOriginOpenerPolicy: String?
    /// `Cross-Origin-Resource-Policy`: other sites cannot embed our responses (an image or a
    /// script tag pointing at a signed-in page gets nothing). Set `cross-origin` or `nil` for
    /// resources meant to be embedded elsewhere.
    public var crossOriginResourcePolicy: String?

    /// Creates the headers; the defaults are the strict ones.
    public init(
        strictTransportSecurity: String? = "max-age=63072000; includeSubDomains",
        contentSecurityPolicy: String? =
            "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        contentTypeOptions: String? = "nosniff",
        frameOptions: String? = "DENY",
        referrerPolicy: String? = "strict-origin-when-cross-origin",
        crossOriginOpenerPolicy: String? = "same-origin",
        crossOriginResourcePolicy: String? = "same-origin"
    ) {
        self.strictTransportSecurity = strictTransportSecurity
        self.contentSecurityPolicy = contentSecurityPolicy
        self.contentTypeOptions = contentTypeOptions
        self.frameOptions = frameOptions
        self.referrerPolicy = referrerPolicy
        self.crossOriginOpenerPolicy = crossOriginOpenerPolicy
        self.crossOriginResourcePolicy = crossOriginResourcePolicy
    }

    /// The headers to add, name and value, in a fixed order; those set to `nil` are left out.
    public var fields: [(name: String, value: String)] {
        let all: [(String, String?)] = [
            ("Strict-Transport-Security", strictTransportSecurity),
            ("Content-Security-Policy", contentSecurityPolicy),
            ("X-Content-Type-Options", contentTypeOptions),
            ("X-Frame-Options", frameOptions),
            ("Referrer-Policy", referrerPolicy),
            ("Cross-Origin-Opener-Policy", crossOriginOpenerPolicy),
            ("Cross-Origin-Resource-Policy", crossOriginResourcePolicy),
        ]
        return all.compactMap { name, value in value.map { (name, $0) } }
    }
}
