/// What the caller knows about the client a session is created for.
public struct ClientInfo: Sendable, Hashable {
    /// The client's IP address.
    public var ip: String?
    /// The client's `User-Agent` header.
    public var userAgent: String?

    /// Creates client information; both parts are optional.
    public init(ip: String? = nil, userAgent: String? = nil) {
        self.ip = ip
        self.userAgent = userAgent
    }
}
