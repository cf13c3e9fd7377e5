import Metrics

/// The whole CSRF decision of a request, in ``CSRFRules``' order, for any framework's middleware:
/// the middleware supplies the headers and, only when they are needed, the session's token,
/// whether there is a session, and the token the request brought back. Refusals are counted.
package struct CSRFGuard: Sendable {
    /// The site and origin rules.
    package let rules: CSRFRules
    /// The largest form body searched for the token.
    package let maximumFormSize: Int
    let refusals: CSRFRefusalCounters

    package init(
        allowedOrigins: Set<String>,
        allowsInsecureTransport: Bool,
        maximumFormSize: Int,
        metricsFactory: (any MetricsFactory)?
    ) {
        rules = CSRFRules(allowedOrigins: allowedOrigins, allowsInsecureTransport: allowsInsecureTransport)
        self.maximumFormSize = maximumFormSize
        refusals = CSRFRefusalCounters(metricsFactory: metricsFactory)
    }

    /// `nil` when the request may go ahead, else why it is refused (answer `403`).
    ///
    /// - Parameters:
    ///   - method: the request's method.
    ///   - secFetchSite: the `Sec-Fetch-Site` header.
    ///   - origin: the `Origin` header.
    ///   - host: the request's `Host` (authority).
    ///   - expectedToken: the session's stored token, `nil` when it has none; asked only for
    ///     unsafe methods that pass the site check.
    ///   - hasSession: whether the request has a live session; asked only when there is no token.
    ///   - presentedToken: the token from the ``CSRFRules/headerName`` header or the
    ///     ``CSRFRules/formField`` form field; asked only when the session has a token.
    package func check(
        method: String,
        secFetchSite: String?,
        origin: String?,
        host: String?,
        expectedToken: () async throws -> String?,
        hasSession: () async throws -> Bool,
        presentedToken: () async throws -> String?
    ) async throws -> CSRFRefusal? {
        if CSRFRules.isSafe(method: method) { return nil }
        let site = rules.checkSite(secFetchSite: secFetchSite, origin: origin, host: host)
        let refusal: CSRFRefusal?
        if case .refused(let reason) = site {
            refusal = reason
        } else if let expected = try await expectedToken() {
            refusal = CSRFRules.checkToken(presented: try await presentedToken(), expected: expected)
        } else {
            refusal = try await CSRFRules.withoutToken(site: site, hasSession: hasSession)
        }
        if let refusal { refusals.record(refusal) }
        return refusal
    }
}
