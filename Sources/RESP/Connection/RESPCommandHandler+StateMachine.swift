import NIOCore

extension RESPCommandHandler {
    /// The pending queue, deadlines and closing of one connection, with no I/O: each event returns
    /// the action the handler must take (succeed a promise, arm a timer, close and fail them all).
    ///
    /// Redis answers in order, so the oldest pending request owns the next reply. A request that
    /// gets no reply within its timeout poisons the connection (a late reply would be matched to
    /// the wrong request): every pending request fails and the channel closes. The first failure
    /// is the reason for all later ones, so a timeout is not relabelled as a lost connection when
    /// the close comes back as "inactive".
    ///
    /// Generic over the promise so tests drive it with plain values and a manual clock.
    struct StateMachine<Promise> {
        struct Pending {
            var expected: Int
            var replies: [RESPValue]
            var promise: Promise
            var deadline: NIODeadline
            var timeout: TimeAmount
        }

        /// What the handler does after a request is written.
        enum WriteAction {
            /// Encode and send the commands; arm a timer at `deadline` when given.
            case send(armTimerAt: NIODeadline?)
            /// The connection already failed: fail this request with the reason, send nothing.
            case fail(RESPError)
        }

        /// What the handler does after a reply or a timer.
        enum Action {
            /// Nothing to do.
            case none
            /// Arm a timer for the next deadline.
            case armTimer(NIODeadline)
            /// Hand `replies` to `promise`; arm a timer when given.
            case succeed(Promise, [RESPValue], armTimerAt: NIODeadline?)
            /// Close the channel, then fail every promise with `error`.
            case close(RESPError, failing: [Promise])
        }

        private var pending = CircularBuffer<Pending>(initialCapacity: 16)
        /// The deadline the earliest armed timer fires at. Rather than a timer per request, one
        /// timer waits for the oldest request's deadline and re-arms for the next one when it
        /// fires (requests after the handshake share one timeout, so deadlines arrive in order).
        private var armedDeadline: NIODeadline?
        private(set) var closedReason: RESPError?

        /// How many requests wait for replies.
        var pendingCount: Int { pending.count }

        /// A request of `commandCount` commands was written at `now`.
        mutating func write(commandCount: Int, promise: Promise, timeout: TimeAmount, now: NIODeadline) -> WriteAction {
            if let closedReason { return .fail(closedReason) }
            pending.append(
                Pending(
                    expected: commandCount,
                    replies: [],
                    promise: promise,
                    deadline: now + timeout,
                    timeout: timeout
                )
            )
            return .send(armTimerAt: timerToArm())
        }

        /// One reply arrived.
        mutating func receive(_ value: RESPValue) -> Action {
            if case .push = value { return .none }  // out-of-band, e.g. invalidation messages
            guard closedReason == nil else { return .none }
            guard !pending.isEmpty else {
                return fail(RESPError(.malformedReply, "the server sent a reply nobody asked for"))
            }
            pending[pending.startIndex].replies.append(value)
            guard pending[pending.startIndex].replies.count == pending[pending.startIndex].expected else {
                return .none
            }
            let done = pending.removeFirst()
            return .succeed(done.promise, done.replies, armTimerAt: timerToArm())
        }

        /// The timer armed for `deadline` fired at `now`.
        mutating func timerFired(at deadline: NIODeadline, now: NIODeadline) -> Action {
            if armedDeadline == deadline { armedDeadline = nil }
            guard closedReason == nil, let first = pending.first else { return .none }
            if first.deadline <= now {
                let milliseconds = first.timeout.nanoseconds / 1_000_000
                return fail(RESPError(.timeout, "no reply within \(milliseconds) ms; the connection was closed"))
            }
            return timerToArm().map(Action.armTimer) ?? .none
        }

        /// The connection failed (decoding, I/O, TLS, closed by the peer): close it and fail every
        /// pending request with the first reason recorded.
        mutating func fail(_ error: RESPError) -> Action {
            let reason = closedReason ?? error
            closedReason = reason
            armedDeadline = nil
            var failing: [Promise] = []
            failing.reserveCapacity(pending.count)
            while let next = pending.popFirst() { failing.append(next.promise) }
            return .close(reason, failing: failing)
        }

        /// The oldest request's deadline, when no timer is armed for it or earlier.
        private mutating func timerToArm() -> NIODeadline? {
            guard let deadline = pending.first?.deadline else { return nil }
            if let armedDeadline, armedDeadline <= deadline { return nil }
            armedDeadline = deadline
            return deadline
        }
    }
}
