import Hummingbird

/// Reads the peer address of a request's connection through the context's own type.
enum PeerAddress {
    /// A reader of the peer address for contexts of type `Context`; it answers `nil` for every
    /// request when the type does not know the address.
    ///
    /// The context's `RemoteAddressRequestContext` conformance is looked up once, here. Per
    /// request the reader only reinterprets the context as the type the look-up opened, which is
    /// `Context` itself: a cast (`as?`), even to that same type, went through the runtime's
    /// dynamic cast on every request.
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
        // `Known` is `Context`: the metatype cast above opened `Context.self`.
        { context in unsafeBitCast(context, to: Known.self).remoteAddress?.ipAddress }
    }
}
