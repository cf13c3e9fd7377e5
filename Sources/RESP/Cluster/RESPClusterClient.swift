import NIOCore
import NIOPosix
import Synchronization

/// A client for Redis Cluster: routes each command to the primary owning its key's slot,
/// follows `MOVED` (updating its slot map, and reading the whole map again before the next
/// command) and `ASK` (with
/// `ASKING`, for a slot in the middle of a migration), waits out `TRYAGAIN` and `CLUSTERDOWN`,
/// and keeps one ``RESPConnectionPool`` per node.
public final class RESPClusterClient: RESPClient {
    /// The nodes the client first asks for the topology.
    public let seeds: [RESPConnectionConfiguration]
    /// Connections per node.
    public let poolSize: Int
    /// The most redirections followed for one command.
    public let maxRedirects = 16
    private let group: any EventLoopGroup
    private let state: Mutex<State>
    private let redirectionCount = Atomic<Int>(0)

    /// How many `MOVED` and `ASK` redirections the client has followed.
    public var redirections: Int { redirectionCount.load(ordering: .relaxed) }

    private struct State {
        var owners: [String?] = Array(repeating: nil, count: ClusterSlot.count)
        var pools: [String: RESPConnectionPool] = [:]
        var refreshing: Task<Void, any Error>?
        /// The slot map may be out of date (a `MOVED` or a lost node said so): the next command
        /// reads it again before it is routed. Awaited by that command, not left running in the
        /// background, so no refresh outlives the client.
        var stale = false
        var closed = false
    }

    /// Creates a client; the topology is read on first use.
    public init(
        seeds: [RESPConnectionConfiguration],
        poolSize: Int = 2,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.seeds = seeds
        self.poolSize = poolSize
        self.group = group
        state = Mutex(State())
    }

    /// The servers, without credentials, for logs and health.
    public var serverDescription: String { "cluster " + seeds.map(\.address).joined(separator: ",") }

    /// Sends the command to the server that serves `key` and returns its reply.
    public func send(_ command: RESPCommand, key: [UInt8]?) async throws -> RESPValue {
        if state.withLock({ $0.stale }) { try? await refresh() }
        let slot = key.map(ClusterSlot.of)
        var askingAt: String?
        var lastError: RESPError?
        for attempt in 0..<maxRedirects {
            let address: String
            if let askingAt {
                address = askingAt
            } else if let owner = try await owner(of: slot) {
                address = owner
            } else {
                throw RESPError(.unavailable, "no node of \(serverDescription) serves slot \(slot ?? 0)")
            }
            let pool = pool(for: address)
            do {
                if askingAt != nil {
                    let replies = try await pool.replies([RESPCommand("ASKING"), command])
                    askingAt = nil
                    if let message = replies[1].errorMessage { throw RESPError(.serverError, message) }
                    return replies[1]
                }
                return try await pool.send(command, key: key)
            } catch let error as RESPError {
                lastError = error
                switch ClusterRedirection(error, defaultHost: pool.configuration.host) {
                case .moved(let slot, let target):
                    redirectionCount.add(1, ordering: .relaxed)
                    state.withLock { $0.owners[slot] = target }
                    markStale()
                case .ask(_, let target):
                    redirectionCount.add(1, ordering: .relaxed)
                    askingAt = target
                case .tryAgain:
                    try await Task.sleep(for: .milliseconds(20 * (attempt + 1)))
                case .clusterDown:
                    try await Task.sleep(for: .milliseconds(20 * (attempt + 1)))
                    try? await refresh()
                case nil:
                    if error.isConnectionFailure { markStale() }
                    throw error
                }
            }
        }
        throw lastError ?? RESPError(.unavailable, "too many redirections for one command")
    }

    /// One client per primary server (for commands that walk the whole keyspace).
    public func primaries() async throws -> [any RESPClient] {
        if state.withLock({ $0.owners.allSatisfy { $0 == nil } }) { try await refresh() }
        let addresses = state.withLock { Set($0.owners.compactMap { $0 }) }
        return addresses.sorted().map { pool(for: $0) }
    }

    /// Closes the store's connections or files; later calls fail.
    public func close() async {
        let pools = state.withLock { state in
            state.closed = true
            state.refreshing?.cancel()
            return Array(state.pools.values)
        }
        for pool in pools { await pool.close() }
    }

    /// Reads the slot map again from any reachable node (one refresh at a time).
    public func refresh() async throws {
        let task = state.withLock { state in
            if let running = state.refreshing { return running }
            let task = Task { try await self.loadTopology() }
            state.refreshing = task
            return task
        }
        defer { state.withLock { if $0.refreshing == task { $0.refreshing = nil } } }
        try await task.value
    }

    /// Asks the next command to read the slot map again first.
    private func markStale() {
        state.withLock { $0.stale = true }
    }

    private func owner(of slot: Int?) async throws -> String? {
        let known = state.withLock { state in
            slot.flatMap { state.owners[$0] } ?? (slot == nil ? state.owners.lazy.compactMap { $0 }.first : nil)
        }
        if let known { return known }
        try await refresh()
        return state.withLock { state in
            slot.flatMap { state.owners[$0] } ?? (slot == nil ? state.owners.lazy.compactMap { $0 }.first : nil)
        }
    }

    private func pool(for address: String) -> RESPConnectionPool {
        state.withLock { state in
            if let pool = state.pools[address] { return pool }
            var configuration = seeds[0]
            let (host, port) = Self.split(address)
            configuration.host = host
            configuration.port = port
            let pool = RESPConnectionPool(configuration: configuration, size: poolSize, group: group)
            state.pools[address] = pool
            return pool
        }
    }

    private func loadTopology() async throws {
        let known = state.withLock { Array($0.pools.keys) }
        let candidates = Array(Set(known + seeds.map(\.address))).sorted()
        var failures: [String] = []
        for address in candidates {
            let pool = pool(for: address)
            do {
                let reply = try await pool.send(RESPCommand("CLUSTER", "SLOTS"), key: nil)
                let owners = try Self.owners(from: reply, queriedHost: pool.configuration.host)
                state.withLock {
                    $0.owners = owners
                    $0.stale = false
                }
                return
            } catch {
                failures.append("\(address): \((error as? RESPError)?.message ?? "\(error)")")
            }
        }
        throw RESPError(.unavailable, "no cluster node answered CLUSTER SLOTS (\(failures.joined(separator: "; ")))")
    }

    /// The slot owners described by a `CLUSTER SLOTS` reply.
    static func owners(from reply: RESPValue, queriedHost: String) throws -> [String?] {
        var owners: [String?] = Array(repeating: nil, count: ClusterSlot.count)
        guard let ranges = reply.elements else {
            throw RESPError(.unexpectedReply, "CLUSTER SLOTS did not answer an array")
        }
        for range in ranges {
            guard let parts = range.elements, parts.count >= 3,
                let start = parts[0].int, let end = parts[1].int,
                let node = parts[2].elements, node.count >= 2,
                let host = node[0].string, let port = node[1].int,
                0 <= start, start <= end, end < ClusterSlot.count
            else { throw RESPError(.unexpectedReply, "CLUSTER SLOTS answered an entry it should not") }
            let address = "\(host.isEmpty || host == "?" ? queriedHost : host):\(port)"
            for slot in Int(start)...Int(end) { owners[slot] = address }
        }
        return owners
    }

    static func split(_ address: String) -> (String, Int) {
        guard let colon = address.lastIndex(of: ":") else { return (address, 6379) }
        return (String(address[..<colon]), Int(address[address.index(after: colon)...]) ?? 6379)
    }
}
