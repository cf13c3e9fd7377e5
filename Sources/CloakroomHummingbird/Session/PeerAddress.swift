import Hummingbird

/// Reads the peer address of a request's connection through the context's own type.
enum PeerAddress {
    /// A reader of the peer address for contexts of type `Context`; it answers `nil` for every
    /// request when the type does not know the address.
    ///
    /// The context's `RemoteAddressRequestContext` conformance is looked up once, here. Per
    /// request the reader casts to that concrete type, which finds the same type and costs
    /// nothing, where a cast to `any RemoteAddressRequestContext` would look the conformance up
    /// every time.
    static func reader<Context: RequestContext>(for _: Context.Type) -> @Sendable (Context) -> String? {
        guard let known = Context.self as? any RemoteAddressRequestContext.Type else {
            return { _ in nil }
        }
        return reader(as: known, for: Context.self)
    }

    private static func reader<Context: RequestContext, Known: RemoteAddressRequestContext>(
        as _: Known.Type,
        for _: Context.Type
    ) -> @Sendable (Context) -> String? {
        { context in (context as? Known)?.remoteAddress?.ipAddress }
    }
}
