import NIOCore
import NIOPosix
import Synchronization

/// A fixed number of connections to one Redis server, each shared by concurrent callers
/// (pipelined), opened lazily and reopened after failures with exponential back-off.
///
/// While the server is down, calls fail at once with ``RESPError/Code/unavailable`` until the
/// next attempt is due (back-off from ``initialBackoff`` doubling to ``maxBackoff``), so callers get a quick
/// error instead of each waiting for a connect timeout; the first call after that tries again.
public final class RESPConnectionPool: RESPClient {
    /// The server and connection settings.
    public let configuration: RESPConnectionConfiguration
    /// The number of connections.
    public let size: Int
    /// The wait after the first failed connection attempt; it doubles with each failure.
    public let initialBackoff: Duration
    /// The longest wait between two connection attempts.
    public let maxBackoff: Duration
    private let group: any EventLoopGroup
    private let state: Mutex<State>

    private enum Slot {
        case idle
        case connecting(Task<RESPConnection, any Error>)
        case connected(RESPConnection)
        case waiting(until: ContinuousClock.Instant, error: RESPError, attempts: Int)
    }

    private struct State {
        var slots: [Slot]
        var failures: [Int]
        var next = 0
        var closed = false
    }

    /// Creates a pool; no connection is opened until the first command.
    public init(
        configuration: RESPConnectionConfiguration,
        size: Int = 4,
        initialBackoff: Duration = .milliseconds(50),
        maxBackoff: Duration = .seconds(1),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.size = max(1, size)
        self.initialBackoff = initialBackoff
        self.maxBackoff = max(initialBackoff, maxBackoff)
        self.group = group
        state = Mutex(
            State(
                slots: Array(repeating: .idle, count: max(1, size)),
                failures: Array(repeating: 0, count: max(1, size))
            )
        )
    }

    /// The servers, without credentials, for logs and health.
    public var serverDescription: String { configuration.address }

    /// One client per primary server (for commands that walk the whole keyspace).
    public func primaries() async throws -> [any RESPClient] { [self] }

    /// Sends the command to the server that serves `key` and returns its reply.
    public func send(_ command: RESPCommand, key: [UInt8]?) async throws -> RESPValue {
        try await connection().send(command)
    }

    /// Sends the commands in one write on one connection and returns their replies, errors
    /// included as values.
    public func replies(_ commands: [RESPCommand]) async throws -> [RESPValue] {
        try await connection().replies(commands)
    }

    /// A live connection, opening one if its slot has none.
    public func connection() async throws -> RESPConnection {
        enum Next {
            case use(RESPConnection)
            case wait(Task<RESPConnection, any Error>)
            case fail(RESPError)
        }
        let next: Next = state.withLock { state in
            if state.closed { return .fail(RESPError(.connectionFailed, "the Redis pool is closed")) }
            let index = state.next % size
            state.next &+= 1
            switch state.slots[index] {
            case .connected(let connection) where connection.isActive:
                return .use(connection)
            case .connecting(let task):
                return .wait(task)
            case .waiting(let until, let error, _) where ContinuousClock.now < until:
                let remaining = (until - ContinuousClock.now).components
                let milliseconds = remaining.seconds * 1000 + remaining.attoseconds / 1_000_000_000_000_000
                return .fail(
                    RESPError(
                        .unavailable,
                        "Redis at \(configuration.address) is unavailable (\(error.message)); next attempt in \(milliseconds) ms"
                    )
                )
            default:
                let task = Task { try await self.open(slot: index) }
                state.slots[index] = .connecting(task)
                return .wait(task)
            }
        }
        switch next {
        case .use(let connection): return connection
        case .fail(let error): throw error
        case .wait(let task): return try await task.value
        }
    }

    private func open(slot index: Int) async throws -> RESPConnection {
        do {
            let connection = try await RESPConnection.connect(configuration, on: group)
            let closeNow = state.withLock { state in
                state.failures[index] = 0
                if state.closed { return true }
                state.slots[index] = .connected(connection)
                return false
            }
            if closeNow { await connection.close() }
            return connection
        } catch {
            let failure = error as? RESPError ?? RESPError(.connectionFailed, "\(error)")
            state.withLock { state in
                let attempts = state.failures[index] + 1
                state.failures[index] = attempts
                let exponent = min(attempts - 1, 10)
                let backoff = min(initialBackoff * (1 << exponent), maxBackoff)
                let jittered = backoff * Double.random(in: 0.5...1.0)
                state.slots[index] = .waiting(until: .now + jittered, error: failure, attempts: attempts)
            }
            throw failure
        }
    }

    /// Closes the store's connections or files; later calls fail.
    public func close() async {
        let slots = state.withLock { state in
            state.closed = true
            defer { state.slots = Array(repeating: .idle, count: size) }
            return state.slots
        }
        for slot in slots {
            switch slot {
            case .connected(let connection): await connection.close()
            case .connecting(let task): await (try? task.value)?.close()
            default: break
            }
        }
    }
}
