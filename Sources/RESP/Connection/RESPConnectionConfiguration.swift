import NIOCore
import NIOSSL

/// Where and how to open one connection to a Redis server.
public struct RESPConnectionConfiguration: Sendable {
    /// The server's host name or IP address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// TLS settings; `nil` for plain TCP.
    public var tls: TLSConfiguration?
    /// The ACL user for `AUTH`; `nil` means `default`.
    public var username: String?
    /// The password for `AUTH`; `nil` skips authentication.
    public var password: String?
    /// The logical database chosen with `SELECT` (standalone servers only).
    public var database: Int
    /// The name shown by `CLIENT LIST`.
    public var clientName: String?
    /// How long opening the connection and its handshake may take.
    public var connectTimeout: Duration
    /// How long a reply may take before the connection is closed.
    public var commandTimeout: Duration
    /// Whether to ask for RESP3 with `HELLO 3` (falling back to RESP2 when the server refuses).
    public var preferRESP3: Bool
    /// Limits on replies.
    public var limits: RESPDecoderLimits

    /// Creates a configuration; only host and port are required.
    public init(
        host: String,
        port: Int = 6379,
        tls: TLSConfiguration? = nil,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        clientName: String? = "cloakroom",
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(2),
        preferRESP3: Bool = true,
        limits: RESPDecoderLimits = RESPDecoderLimits()
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.username = username
        self.password = password
        self.database = database
        self.clientName = clientName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.preferRESP3 = preferRESP3
        self.limits = limits
    }

    /// `host:port`, the way cluster replies name nodes.
    public var address: String { "\(host):\(port)" }
}

extension Duration {
    /// The same span as NIO's `TimeAmount`.
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
