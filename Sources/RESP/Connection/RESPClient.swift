/// Something that sends commands to Redis: a ``RESPConnectionPool`` for one server or a
/// ``RESPClusterClient`` for a cluster.
public protocol RESPClient: Sendable {
    /// Sends the command and returns its reply. `key` is the key the command works on, which a
    /// cluster client routes by; `nil` for keyless commands.
    ///
    /// - Throws: ``RESPError``: ``RESPError/Code/serverError`` for an error reply, a connection
    ///   failure, or ``RESPError/Code/unavailable`` while the server is known to be down.
    func send(_ command: RESPCommand, key: [UInt8]?) async throws -> RESPValue

    /// One client per primary server: the pool itself, or one per cluster primary. Commands that
    /// walk the whole keyspace (`SCAN`) go to each.
    func primaries() async throws -> [any RESPClient]

    /// A short description of the servers for logs and health, without credentials.
    var serverDescription: String { get }

    /// Closes every connection.
    func close() async
}

extension RESPClient {
    /// Runs a Lua script by its SHA-1 (`EVALSHA`), sending its source (`EVAL`, which also caches
    /// it) only when the server does not know it yet. All `keys` must hash to one cluster slot.
    public func run(_ script: RESPScript, keys: [[UInt8]], arguments: [RESPArgument]) async throws -> RESPValue {
        // The command's arguments gathered into one array: a record's write carries two dozen,
        // and building it from concatenations copied every one of them several times.
        func command(_ prefix: [[UInt8]]) -> RESPCommand {
            var parts: [[UInt8]] = []
            parts.reserveCapacity(prefix.count + 1 + keys.count + arguments.count)
            parts += prefix
            parts.append(RESPArgument(keys.count).bytes)
            parts += keys
            for argument in arguments { parts.append(argument.bytes) }
            return RESPCommand(arguments: parts)
        }
        do {
            return try await send(command(script.evalSHAPrefix), key: keys.first)
        } catch let error as RESPError where error.serverErrorPrefix == "NOSCRIPT" {
            return try await send(command([Array("EVAL".utf8), Array(script.source.utf8)]), key: keys.first)
        }
    }
}
