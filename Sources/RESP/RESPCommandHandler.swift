import NIOCore

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
        var id: UInt64
        var expected: Int
        var replies: [RESPValue]
        var promise: EventLoopPromise<[RESPValue]>
        var timer: Scheduled<Void>?
    }

    private let decoder: RESPDecoder
    private var pending = CircularBuffer<Pending>(initialCapacity: 16)
    private var buffer: ByteBuffer?
    private var nextID: UInt64 = 0
    private var closedReason: RESPError?

    init(limits: RESPDecoderLimits) {
        decoder = RESPDecoder(limits: limits)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let closedReason {
            request.promise.fail(closedReason)
            promise?.fail(closedReason)
            return
        }
        nextID &+= 1
        let id = nextID
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let contextBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(in: request.timeout) {
            loopBound.value.timedOut(id: id, context: contextBound.value, after: request.timeout)
        }
        pending.append(
            Pending(id: id, expected: request.commands.count, replies: [], promise: request.promise, timer: timer)
        )
        var bytes = context.channel.allocator.buffer(capacity: 64)
        for command in request.commands { command.encode(into: &bytes) }
        context.write(wrapOutboundOut(bytes), promise: promise)
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
            done.timer?.cancel()
            done.promise.succeed(done.replies)
        }
    }

    private func timedOut(id: UInt64, context: ChannelHandlerContext, after timeout: TimeAmount) {
        guard let first = pending.first, first.id <= id else { return }
        let milliseconds = timeout.nanoseconds / 1_000_000
        failAll(RESPError(.timeout, "no reply within \(milliseconds) ms; the connection was closed"), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RESPError(.connectionFailed, "connection closed by the server or the network"), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(RESPError(.connectionFailed, "connection failed: \(error)"), context: context)
    }

    private func failAll(_ error: any Error, context: ChannelHandlerContext) {
        // The first failure is the reason for all: closing below re-enters through
        // channelInactive, which must not relabel a timeout as a lost connection.
        let reason = closedReason ?? error as? RESPError ?? RESPError(.connectionFailed, "\(error)")
        closedReason = reason
        buffer = nil
        // Close before failing the callers, so that none of them picks this connection again.
        context.close(promise: nil)
        while let next = pending.popFirst() {
            next.timer?.cancel()
            next.promise.fail(reason)
        }
    }
}
