import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Gives memory that the C allocator keeps but no longer uses back to the system, at a steady
/// pace, as a background `Service`.
///
/// glibc's `malloc` keeps freed memory in its arenas (one per busy thread, up to eight per core)
/// and returns to the system only what lies at the top of each; memory freed in the middle stays
/// resident. Under load, resident memory then climbs in steps to the highest point the heap's
/// fragmentation ever reached and stays there, though the memory in use is flat. A 30-minute
/// soak of `cloakroomd` on Redis + PostgreSQL showed exactly that (BENCHMARKS.md):
/// `malloc_trim(0)` gave the difference back. The call walks every arena and takes a few
/// milliseconds; once a minute it is noise.
///
/// Where the C library has no `malloc_trim` (musl, non-Linux systems) the service does nothing.
public struct HeapTrimService: Service {
    /// The pause between two trims.
    public let interval: Duration
    let logger: Logger

    /// Creates a service trimming every `interval`.
    public init(interval: Duration = .seconds(60), logger: Logger = Logger(label: "cloakroom.heap")) {
        self.interval = interval
        self.logger = logger
    }

    /// Whether this process's C library can trim its heap.
    public static var isAvailable: Bool { mallocTrim != nil }

    /// Gives the C heap's free memory back to the system once, now; answers whether the C
    /// library could (see ``isAvailable``).
    @discardableResult
    public static func trimOnce() -> Bool {
        guard let trim = mallocTrim else { return false }
        _ = trim(0)
        return true
    }

    /// Trims until graceful shutdown or cancellation.
    public func run() async throws {
        guard let trim = Self.mallocTrim else {
            logger.debug("malloc_trim is not available; the heap is not trimmed")
            // A service that returns would end the whole group: wait for the shutdown instead.
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            _ = trim(0)
        }
    }

    /// `int malloc_trim(size_t pad)`, looked up at run time: glibc's headers are not part of the
    /// Swift `Glibc` module, and other C libraries may not have it.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
            guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
            return nil
        #endif
    }()
}
