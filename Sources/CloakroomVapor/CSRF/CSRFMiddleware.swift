#if Vapor
    import Cloakroom
    import CloakroomWeb
    import Metrics
    import Vapor

    /// Refuses cross-site requests that change things, with `403 Forbidden`, by the rules of
    /// ``CloakroomWeb/CSRFRules`` (the same as the Hummingbird integration's).
    ///
    /// For unsafe methods (everything but GET, HEAD, OPTIONS and TRACE) it checks, in order:
    /// 1. `Sec-Fetch-Site`, when the browser sends it: only `same-origin` and `none` (typed by the
    ///    user) pass.
    /// 2. Otherwise `Origin`, when present: it must be one of the allowed origins (by default the
    ///    request's own, from `Host`, over `https`).
    /// 3. The synchronizer token: when the session has one (``CloakroomWeb/SessionHandle/csrfToken()``
    ///    on `req.cloakroom`, or `req.session.csrfToken()` on Vapor's sessions), it must come back in
    ///    the `X-CSRF-Token` header or the `_csrf` form field, compared in constant time. A request
    ///    with a session but neither header nor token is refused. A request without a session has
    ///    nothing to abuse and is judged by 1 and 2 alone (which covers login forms).
    ///
    /// Install it after ``CloakroomSessionMiddleware`` or Vapor's `SessionsMiddleware`. Refusals
    /// count in `cloakroom_csrf_refusals_total{reason}`.
    public struct CSRFMiddleware: AsyncMiddleware {
        let csrf: CSRFGuard

        /// Creates the middleware.
        ///
        /// - Parameters:
        ///   - allowedOrigins: origins (`https://example.com`) whose requests pass the `Origin`
        ///     check; empty (the default) allows only the request's own origin, from `Host`.
        ///   - allowsInsecureTransport: whether `http://` + the request's own host passes the
        ///     `Origin` check as well as `https://`. Only for local development over plain HTTP with
        ///     browsers that send no `Sec-Fetch-Site`.
        ///   - maximumFormSize: the largest form body searched for the token.
        ///   - metricsFactory: where the refusal counter goes; the global one by default.
        public init(
            allowedOrigins: Set<String> = [],
            allowsInsecureTransport: Bool = false,
            maximumFormSize: Int = 64 * 1024,
            metricsFactory: (any MetricsFactory)? = nil
        ) {
            csrf = CSRFGuard(
                allowedOrigins: allowedOrigins,
                allowsInsecureTransport: allowsInsecureTransport,
                maximumFormSize: maximumFormSize,
                metricsFactory: metricsFactory
            )
        }

        /// Checks unsafe requests and passes the rest through.
        public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            // Bound by CloakroomSessionMiddleware: `req.cloakroom`; otherwise Vapor's `req.session`.
            let bound = request.storage[SessionHandleKey.self] != nil
            let refusal = try await csrf.check(
                method: request.method.rawValue,
                secFetchSite: request.headers.first(name: "Sec-Fetch-Site"),
                origin: request.headers.first(name: .origin),
                host: request.headers.first(name: .host),
                expectedToken: {
                    if bound { return try await request.cloakroom.storedCSRFToken() }
                    return request.hasSession ? request.session.data[SessionHandle.csrfTokenKey] : nil
                },
                hasSession: {
                    if bound { return try await request.cloakroom.current() != nil }
                    return request.hasSession && request.session.id != nil
                },
                presentedToken: {
                    if let header = request.headers.first(name: CSRFRules.headerName) { return header }
                    return try await formToken(request)
                }
            )
            if let refusal { throw Abort(.forbidden, reason: refusal.message) }
            return try await next.respond(to: request)
        }

        /// Reads the token from a URL-encoded form body; the body stays readable for the handler.
        private func formToken(_ request: Request) async throws -> String? {
            guard let type = request.headers.contentType, type.type == "application",
                type.subType == "x-www-form-urlencoded"
            else { return nil }
            let body: ByteBuffer?
            do {
                body = try await request.body.collect(max: csrf.maximumFormSize).get()
            } catch {
                throw Abort(.payloadTooLarge, reason: "form body is larger than \(csrf.maximumFormSize) bytes")
            }
            return body.map { CSRFRules.token(inForm: String(buffer: $0)) } ?? nil
        }
    }
#endif
