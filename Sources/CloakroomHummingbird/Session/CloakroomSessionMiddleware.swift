import Cloakroom
import CloakroomWeb
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// Puts the request's session into `context.session` and saves it after the handler.
///
/// ```swift
/// router.add(middleware: CloakroomSessionMiddleware(manager: manager))
/// router.post("login") { request, context in
///     try await context.session.login(user: "ada")
///     return HTTPResponse.Status.ok
/// }
/// ```
///
/// The cookie holds only the session ID; every other fact stays in the store. Unknown or
/// malformed cookies mean "no session" and create nothing.
public struct CloakroomSessionMiddleware<Context: CloakroomRequestContext>: RouterMiddleware {
    /// Which client address and user agent the middleware records in new sessions.
    public struct ClientAddressSource: Sendable {
        let resolve: @Sendable (Request, Context) -> String?

        /// The peer address of the connection (when the context knows it). The default.
        public static var peer: Self {
            let read = PeerAddress.reader(for: Context.self)
            return Self { _, context in read(context) }
        }

        /// The first address of `X-Forwarded-For`, falling back to the peer. Only behind a proxy
        /// that sets the header itself: otherwise any client can claim any address.
        public static var forwardedFor: Self {
            let peer = PeerAddress.reader(for: Context.self)
            let forwardedFor = HTTPFields.Element.Name("X-Forwarded-For")!
            return Self { request, context in
                if let header = request.headers.value(of: forwardedFor),
                    let first = ForwardedFor.firstAddress(inHeader: header)
                {
                    return first
                }
                return peer(context)
            }
        }

        /// A function of your own.
        public static func custom(_ resolve: @escaping @Sendable (Request, Context) -> String?) -> Self {
            Self(resolve: resolve)
        }
    }

    let core: SessionMiddlewareCore
    let clientAddress: ClientAddressSource

    /// Creates the middleware.
    ///
    /// - Parameters:
    ///   - manager: the session manager and its store.
    ///   - cookie: the cookie's name and attributes; the safe defaults unless weakened by name.
    ///   - clientAddress: where the client's IP address comes from (the peer, or a header set by
    ///     a proxy you trust).
    ///   - conflicts: what a request that read a key and then set it meets when another request
    ///     changed the key meanwhile; ``CloakroomWeb/SessionConflictPolicy/mergeByKey`` by default.
    /// - Throws: ``CloakroomWeb/OptionsError`` when the cookie options do not fit together.
    public init(
        manager: SessionManager,
        cookie: SessionCookieOptions = SessionCookieOptions(),
        clientAddress: ClientAddressSource = .peer,
        conflicts: SessionConflictPolicy = .mergeByKey
    ) throws {
        core = try SessionMiddlewareCore(manager: manager, cookie: cookie, conflicts: conflicts)
        self.clientAddress = clientAddress
    }

    /// Binds the session, runs the handler, saves the session and sets the cookie.
    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let clientAddress = clientAddress
        let handle = core.handle(
            cookieValue: CookieHeader.value(named: core.cookieName, in: request.headers),
            client: { [context] in
                ClientInfo(
                    ip: clientAddress.resolve(request, context),
                    userAgentHeader: request.headers.value(of: .userAgent)
                )
            }
        )
        context.session = handle
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // The handler failed: its half-made changes are not saved, but an ID issued before
            // the failure (a login that then threw) must still reach the client or be ended.
            try await Self.settle(handle, afterFailure: error)
        }
        let setCookie: SessionMiddlewareCore.SetCookie?
        do {
            setCookie = try await core.save(handle)
        } catch let error as CloakroomError where error.code == .versionConflict {
            // A stale read refused, or a session changed by too many writers at once: the
            // client can retry; it is not a server fault.
            try await Self.settle(handle, afterFailure: HTTPError(.conflict, message: error.message))
        }
        if let setCookie {
            response.headers[values: .setCookie].append(setCookie.value)
            if setCookie.forbidsCaching, response.headers.value(of: .cacheControl) == nil {
                response.headers[.cacheControl] = "no-store"
            }
        }
        return response
    }

    /// After a failed handler: end a session issued during the request (its ID would otherwise
    /// live on unseen), then rethrow.
    private static func settle(_ handle: SessionHandle, afterFailure error: any Error) async throws -> Never {
        await handle.endIssuedSession()
        throw error
    }
}
