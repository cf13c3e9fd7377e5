#if Vapor
    import CloakroomWeb
    import Vapor

    /// Adds ``CloakroomWeb/SecurityHeaders`` to every response.
    ///
    /// Install it first, in front of Vapor's `ErrorMiddleware`, so that error answers get them too:
    /// `app.middleware.use(SecurityHeadersMiddleware(), at: .beginning)`.
    public struct SecurityHeadersMiddleware: AsyncMiddleware {
        let fields: [(name: String, value: String)]

        /// Creates the middleware; the defaults are strict (see ``CloakroomWeb/SecurityHeaders``).
        public init(_ headers: SecurityHeaders = SecurityHeaders()) {
            fields = headers.fields
        }

        /// Runs the handler and adds the headers it did not set.
        public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            let response = try await next.respond(to: request)
            for (name, value) in fields where !response.headers.contains(name: name) {
                response.headers.add(name: name, value: value)
            }
            return response
        }
    }
#endif
