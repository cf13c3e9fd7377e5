import CloakroomHummingbird
import Hummingbird
import NIOCore

/// The request context of `cloakroomd`'s routes: Hummingbird's core, the caller's API key, and
/// for the web pages the visitor's session.
public struct APIRequestContext: CloakroomRequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The API key that authenticated the request, once the API-key check ran.
    public var apiKey: APIKey?
    /// The page visitor's session, once the pages' session middleware ran.
    public var session: SessionHandle
    /// The address of the peer that sent the request.
    public let remoteAddress: SocketAddress?

    /// Creates a context for a request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        apiKey = nil
        session = SessionHandle()
        remoteAddress = source.channel.remoteAddress
    }
}
