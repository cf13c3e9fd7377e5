import NIOCore
import NIOPosix
import Synchronization

/// One event-loop timer that ends every PostgreSQL call past its deadline, shared by all calls.
///
/// A timer of its own per call cost two wake-ups of an event-loop thread (scheduling it, then
/// cancelling it when the query answered): a one-caller `SELECT 1` through the store went from
/// 260 µs to 166–218 µs at the median without them (BENCHMARKS.md). Here a call only adds itself to a table under a lock and removes itself when
/// it answers; the timer ticks every ``tick`` while any call is in the table and stops when it
/// is empty. A call therefore ends between its deadline and one tick after it.
final class DeadlineWatch: Sendable {
    /// The one watch all stores share.
    static let shared = DeadlineWatch(tick: .milliseconds(10))

    /// How often the timer looks for calls past their deadline while any are watched.
    let tick: TimeAmount

    private struct State: ~Copyable {
        var watched: [UInt64: Entry] = [:]
        var nextID: UInt64 = 0
        var isTicking = false
    }

    private struct Entry {
        var deadline: NIODeadline
        var expire: @Sendable () -> Void
    }

    private let state = Mutex(State())

    init(tick: TimeAmount) {
        self.tick = tick
    }

    /// Calls `expire` once `deadline` has passed, unless ``forget(_:)`` comes first with the
    /// answered number; `expire` runs on an event loop, outside the watch's lock.
    func watch(until deadline: NIODeadline, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, start) = state.withLock { state in
            defer { state.nextID += 1 }
            state.watched[state.nextID] = Entry(deadline: deadline, expire: expire)
            let start = !state.isTicking
            state.isTicking = true
            return (state.nextID, start)
        }
        if start { scheduleTick() }
        return id
    }

    /// Stops watching the call numbered `id` (it answered); nothing happens if it expired already.
    func forget(_ id: UInt64) {
        _ = state.withLock { $0.watched.removeValue(forKey: id) }
    }

    private func scheduleTick() {
        MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: tick) { self.sweep() }
    }

    private func sweep() {
        let now = NIODeadline.now()
        let (expired, goOn) = state.withLock { state in
            // Removing while iterating would copy the table; most sweeps remove nothing.
            let due = state.watched.filter { $0.value.deadline <= now }
            for id in due.keys { state.watched[id] = nil }
            let expired = due.values.map(\.expire)
            state.isTicking = !state.watched.isEmpty
            return (expired, state.isTicking)
        }
        for expire in expired { expire() }
        if goOn { scheduleTick() }
    }
}
