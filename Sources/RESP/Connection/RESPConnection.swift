import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One connection to a Redis server, shared by any number of concurrent callers: requests are
/// pipelined and replies matched in order.
public final class RESPConnection: Sendable {
    let channel: any Channel
    private let commandTimeout: TimeAmount
    /// The protocol version the handshake settled on: 3, or 2 when the server refused `HELLO 3`.
    public let protocolVersion: Int
    /// `host:port` of the server.
    public let address: String
    private let closeReason: CloseReason
    private let outbox = Mutex(Outbox())

    /// Requests waiting for the event loop to pick them up.
    private struct Outbox {
        var requests: [RESPRequest] = []
        var scheduled = false
    }

    private init(
        channel: any Channel,
        commandTimeout: TimeAmount,
        protocolVersion: Int,
        address: String,
        closeReason: CloseReason
    ) {
        self.closeReason = closeReason
        self.channel = channel
        self.commandTimeout = commandTimeout
        self.protocolVersion = protocolVersion
        self.address = address
    }

    /// Opens a connection and runs the handshake: `HELLO 3` with `AUTH` and `SETNAME` (or, on a
    /// RESP2-only server, `AUTH` and `CLIENT SETNAME`), then `SELECT` when a database is set.
    ///
    /// - Throws: ``RESPError`` with ``RESPError/Code/connectionFailed`` when the server is
    ///   unreachable or refuses the credentials, ``RESPError/Code/timeout`` past the connect
    ///   timeout.
    public static func connect(
        _ configuration: RESPConnectionConfiguration,
        on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RESPConnection {
        let timeout = configuration.connectTimeout.timeAmount
        let sslContext: NIOSSLContext?
        do {
            sslContext = try configuration.tls.map { try NIOSSLContext(configuration: $0) }
        } catch {
            throw RESPError(.invalidConfiguration, "TLS settings for \(configuration.address) are invalid: \(error)")
        }
        let limits = configuration.limits
        let host = configuration.host
        let closeReason = CloseReason()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                do {
                    if let sslContext {
                        let isAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
                        let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: isAddress ? nil : host)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        RESPCommandHandler(limits: limits, closeReason: closeReason)
                    )
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw RESPError(.connectionFailed, "cannot connect to Redis at \(configuration.address): \(error)")
        }
        do {
            let version = try await handshake(
                channel: channel,
                configuration: configuration,
                timeout: timeout,
                closeReason: closeReason
            )
            return RESPConnection(
                channel: channel,
                commandTimeout: configuration.commandTimeout.timeAmount,
                protocolVersion: version,
                address: configuration.address,
                closeReason: closeReason
            )
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private static func handshake(
        channel: any Channel,
        configuration: RESPConnectionConfiguration,
        timeout: TimeAmount,
        closeReason: CloseReason
    ) async throws -> Int {
        func send(_ command: RESPCommand) async throws -> RESPValue {
            let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
            channel.writeAndFlush(RESPRequest(commands: [command], promise: promise, timeout: timeout))
                .whenFailure { error in
                    failAfterClose(
                        .promise(promise),
                        RESPError(.connectionFailed, "handshake with \(configuration.address) failed: \(error)"),
                        channel: channel,
                        closeReason: closeReason
                    )
                }
            return try await promise.futureResult.get()[0]
        }
        func authenticationFailed(_ message: String) -> RESPError {
            RESPError(
                .connectionFailed,
                "Redis at \(configuration.address) refused the credentials (\(message)); check the user and password in the URL"
            )
        }
        var version = 2
        var authenticated = configuration.password == nil
        if configuration.preferRESP3 {
            var arguments: [RESPArgument] = ["3"]
            if let password = configuration.password {
                arguments += ["AUTH", RESPArgument(configuration.username ?? "default"), RESPArgument(password)]
            }
            if let name = configuration.clientName { arguments += ["SETNAME", RESPArgument(name)] }
            let reply = try await send(RESPCommand("HELLO", arguments))
            if let message = reply.errorMessage {
                if message.hasPrefix("WRONGPASS") || message.hasPrefix("NOAUTH") || message.contains("invalid password")
                {
                    throw authenticationFailed(message)
                }
                // Older servers do not know HELLO or RESP3: carry on in RESP2.
            } else {
                version = 3
                authenticated = true
            }
        }
        if !authenticated, let password = configuration.password {
            var arguments: [RESPArgument] = []
            if let username = configuration.username { arguments.append(RESPArgument(username)) }
            arguments.append(RESPArgument(password))
            if let message = try await send(RESPCommand("AUTH", arguments)).errorMessage {
                throw authenticationFailed(message)
            }
        }
        if version == 2, let name = configuration.clientName {
            _ = try await send(RESPCommand("CLIENT", "SETNAME", RESPArgument(name)))
        }
        if configuration.database != 0 {
            if let message = try await send(RESPCommand("SELECT", RESPArgument(configuration.database))).errorMessage {
                throw RESPError(
                    .invalidConfiguration,
                    "Redis at \(configuration.address) refused database \(configuration.database): \(message)"
                )
            }
        }
        return version
    }

    /// Whether the connection is still open.
    public var isActive: Bool { channel.isActive }

    /// Sends the commands in one write and returns their replies in order; error replies are
    /// returned as values, not thrown.
    public func replies(_ commands: [RESPCommand]) async throws -> [RESPValue] {
        // The handler resumes the continuation exactly once: with the replies, or with the error
        // that failed the request or its connection.
        try await withUnsafeThrowingContinuation { continuation in
            let request = RESPRequest(commands: commands, replies: .continuation(continuation), timeout: commandTimeout)
            // Requests from concurrent callers queue here and reach the event loop in one task:
            // one wake-up of the loop thread for many requests instead of one each.
            let wakeLoop = outbox.withLock { outbox in
                outbox.requests.append(request)
                defer { outbox.scheduled = true }
                return !outbox.scheduled
            }
            if wakeLoop {
                channel.eventLoop.execute { [self] in writeQueued() }
            }
        }
    }

    /// Hands every queued request to the pipeline; runs on the event loop.
    private func writeQueued() {
        let requests = outbox.withLock { outbox in
            outbox.scheduled = false
            defer { outbox.requests.removeAll(keepingCapacity: true) }
            return outbox.requests
        }
        // On the loop, an open channel hands each write to the command handler at once, which
        // owns the request from then on (it fails it if the connection fails), so the writes need
        // no promise of their own: one less promise and callback per request. A closed channel
        // would fail a write before the handler saw it, so its requests are failed here.
        guard channel.isActive else {
            let error = RESPError(.connectionFailed, "writing to \(address) failed: the connection is closed")
            for request in requests {
                failAfterClose(request.replies, error, channel: channel, closeReason: closeReason)
            }
            return
        }
        for request in requests {
            // The handler flushes once per event-loop turn. Written through the pipeline, whose
            // generic write is specialised here: `Channel.write` is a protocol requirement, run
            // unspecialised, which wraps the request after dynamic casts to NIO's own types.
            channel.pipeline.write(request, promise: nil)
        }
    }

    /// Sends one command and returns its reply.
    ///
    /// - Throws: ``RESPError`` with ``RESPError/Code/serverError`` for an error reply, or a
    ///   connection failure.
    public func send(_ command: RESPCommand) async throws -> RESPValue {
        let reply = try await replies([command])[0]
        if let message = reply.errorMessage { throw RESPError(.serverError, message) }
        return reply
    }

    /// Closes the connection; pending commands fail.
    public func close() async {
        try? await channel.close()
    }
}

/// Fails the request once the channel has closed, with the cause the command handler recorded if it
/// saw one (a TLS or network error says more than "I/O on closed channel", which is all a failed
/// write reports), else with `error`.
private func failAfterClose(
    _ replies: RESPReplySink,
    _ error: RESPError,
    channel: any Channel,
    closeReason: CloseReason
) {
    channel.close(promise: nil)
    channel.closeFuture.whenComplete { _ in replies.fail(closeReason.error ?? error) }
}
