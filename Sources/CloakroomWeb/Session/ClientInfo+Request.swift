import Cloakroom

extension ClientInfo {
    /// The longest `User-Agent` a session records; longer ones are cut, so a client cannot bloat
    /// its record.
    package static let maximumUserAgentLength = 512

    /// Who is asking, from a request's peer (or proxy-reported) address and `User-Agent` header.
    package init(ip: String?, userAgentHeader: String?) {
        self.init(ip: ip, userAgent: userAgentHeader.map { String($0.prefix(Self.maximumUserAgentLength)) })
    }
}
