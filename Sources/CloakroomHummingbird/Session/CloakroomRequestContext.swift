import CloakroomWeb
import Hummingbird
import NIOCore

/// A request context that carries a Cloakroom session.
///
/// Add one stored property to your context and ``CloakroomSessionMiddleware`` fills it:
///
/// ```swift
/// struct AppContext: CloakroomRequestContext {
///     var coreContext: CoreRequestContextStorage
///     var session = SessionHandle()
///     init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
/// }
/// ```
public protocol CloakroomRequestContext: RequestContext {
    /// This request's session; set by ``CloakroomSessionMiddleware``.
    var session: SessionHandle { get set }
}

/// A ready-made ``CloakroomRequestContext`` for apps that need nothing else in their context.
///
/// It decodes request bodies as forms or JSON by their `Content-Type` (``FormOrJSONDecoder``).
public struct BasicCloakroomRequestContext: CloakroomRequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// This request's session.
    public var session: SessionHandle
    /// The address of the peer that sent the request.
    public let remoteAddress: SocketAddress?
    /// Decodes forms and JSON.
    public var requestDecoder: FormOrJSONDecoder { FormOrJSONDecoder() }

    /// Creates the context of a request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        session = SessionHandle()
        remoteAddress = source.channel.remoteAddress
    }
}
