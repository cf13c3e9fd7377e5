import NIOCore
import NIOSSL

/// Commands written together and the promise for their replies, in order.
struct RESPRequest: Sendable {
    var commands: [RESPCommand]
    var promise: EventLoopPromise<[RESPValue]>
    var timeout: TimeAmount
}

/// Pipelines requests on one connection and matches replies to them in order.
///
/// Any number of requests may be in flight; Redis answers in order, so the oldest pending
/// request owns the next reply. A request that gets no reply within its timeout poisons the
/// connection (a late reply would be matched to the wrong request), so the handler fails every
/// pending request and closes the channel; the pool opens a fresh one.
final class RESPCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var expected: Int
        var replies: [RESPValue]
        var promise: EventLoopPromise<[RESPValue]>
        var deadline: NIODeadline
        var timeout: TimeAmount
    }

    private let decoder: RESPDecoder
    private var pending = CircularBuffer<Pending>(initialCapacity: 16)
    private var buffer: ByteBuffer?
    /// The deadline the earliest armed timer fires at. Rather than a timer per request, one timer
    /// waits for the oldest request's deadline and re-arms for the next one when it fires (all
    /// requests after the handshake share one timeout, so deadlines arrive in order).
    private var armedDeadline: NIODeadline?
    private var closedReason: RESPError?
    private var flushScheduled = false

    private let closeReason: CloseReason

    init(limits: RESPDecoderLimits, closeReason: CloseReason) {
        decoder = RESPDecoder(limits: limits)
        self.closeReason = closeReason
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let closedReason {
            request.promise.fail(closedReason)
            promise?.fail(closedReason)
            return
        }
        pending.append(
            Pending(
                expected: request.commands.count,
                replies: [],
                promise: request.promise,
                deadline: .now() + request.timeout,
                timeout: request.timeout
            )
        )
        armTimer(context: context)
        var bytes = context.channel.allocator.buffer(capacity: 64)
        for command in request.commands { command.encode(into: &bytes) }
        context.write(wrapOutboundOut(bytes), promise: promise)
        // One flush for every request written in this turn of the event loop: concurrent callers
        // share a syscall instead of paying one each.
        if !flushScheduled {
            flushScheduled = true
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let contextBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.assumeIsolated().execute {
                loopBound.value.flushScheduled = false
                contextBound.value.flush()
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffer == nil {
            buffer = incoming
        } else {
            buffer!.writeBuffer(&incoming)
        }
        do {
            while let value = try decoder.decode(&buffer!) {
                deliver(value, context: context)
            }
            if buffer!.readableBytes == 0 {
                buffer = nil
            } else {
                buffer!.discardReadBytes()
            }
        } catch {
            failAll(error, context: context)
        }
    }

    private func deliver(_ value: RESPValue, context: ChannelHandlerContext) {
        if case .push = value { return }  // out-of-band, e.g. invalidation messages
        guard !pending.isEmpty else {
            failAll(RESPError(.malformedReply, "the server sent a reply nobody asked for"), context: context)
            return
        }
        pending[pending.startIndex].replies.append(value)
        if pending[pending.startIndex].replies.count == pending[pending.startIndex].expected {
            let done = pending.removeFirst()
            armTimer(context: context)
            done.promise.succeed(done.replies)
        }
    }

    private func armTimer(context: ChannelHandlerContext) {
        guard let deadline = pending.first?.deadline else { return }
        if let armedDeadline, armedDeadline <= deadline { return }
        armedDeadline = deadline
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let contextBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(deadline: deadline) {
            loopBound.value.timerFired(at: deadline, context: contextBound.value)
        }
    }

    private func timerFired(at deadline: NIODeadline, context: ChannelHandlerContext) {
        if armedDeadline == deadline { armedDeadline = nil }
        guard let first = pending.first else { return }
        if first.deadline <= .now() {
            let milliseconds = first.timeout.nanoseconds / 1_000_000
            failAll(
                RESPError(.timeout, "no reply within \(milliseconds) ms; the connection was closed"),
                context: context
            )
        } else {
            armTimer(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RESPError(.connectionFailed, "connection closed by the server or the network"), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOSSLError || error is BoringSSLError {
            let message =
                "TLS failed (\(error)); check that the server's certificate names the host and is trusted (tls_ca)"
            failAll(RESPError(.connectionFailed, message), context: context)
            return
        }
        failAll(RESPError(.connectionFailed, "connection failed: \(error)"), context: context)
    }

    private func failAll(_ error: any Error, context: ChannelHandlerContext) {
        // The first failure is the reason for all: closing below re-enters through
        // channelInactive, which must not relabel a timeout as a lost connection.
        let reason = closedReason ?? error as? RESPError ?? RESPError(.connectionFailed, "\(error)")
        closedReason = reason
        closeReason.record(reason)
        buffer = nil
        // Close before failing the callers, so that none of them picks this connection again.
        context.close(promise: nil)
        while let next = pending.popFirst() {
            next.promise.fail(reason)
        }
    }
}
