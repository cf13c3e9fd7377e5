import NIOCore
import NIOSSL

/// Commands written together and where their replies go, in order.
struct RESPRequest: Sendable {
    var commands: [RESPCommand]
    var replies: RESPReplySink
    var timeout: TimeAmount

    init(commands: [RESPCommand], replies: RESPReplySink, timeout: TimeAmount) {
        self.commands = commands
        self.replies = replies
        self.timeout = timeout
    }

    init(commands: [RESPCommand], promise: EventLoopPromise<[RESPValue]>, timeout: TimeAmount) {
        self.init(commands: commands, replies: .promise(promise), timeout: timeout)
    }
}

/// Pipelines requests on one connection and matches replies to them in order.
///
/// Any number of requests may be in flight. The rules (which request owns a reply, when a
/// timeout poisons the connection, which error every caller sees) live in ``StateMachine``; this
/// handler only decodes bytes, runs the actions it returns and arms its timers. The pool opens a
/// fresh connection after a close.
final class RESPCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    private let decoder: RESPDecoder
    private var state = StateMachine<RESPReplySink>()
    private var buffer: ByteBuffer?
    private var flushScheduled = false
    private let closeReason: CloseReason

    init(limits: RESPDecoderLimits, closeReason: CloseReason) {
        decoder = RESPDecoder(limits: limits)
        self.closeReason = closeReason
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        let action = state.write(
            commandCount: request.commands.count,
            promise: request.replies,
            timeout: request.timeout,
            now: context.eventLoop.now
        )
        switch action {
        case .fail(let reason):
            request.replies.fail(reason)
            promise?.fail(reason)
            return
        case .send(let deadline):
            if let deadline { armTimer(at: deadline, context: context) }
        }
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
            while buffer != nil, let value = try decoder.decode(&buffer!) {
                run(state.receive(value), context: context)
            }
            if let remaining = buffer, remaining.readableBytes == 0 {
                buffer = nil
            } else {
                buffer?.discardReadBytes()
            }
        } catch {
            run(state.fail(error), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        run(
            state.fail(RESPError(.connectionFailed, "connection closed by the server or the network")),
            context: context
        )
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: RESPError
        if error is NIOSSLError || error is BoringSSLError {
            reason = RESPError(
                .connectionFailed,
                "TLS failed (\(error)); check that the server's certificate names the host and is trusted (tls_ca)"
            )
        } else {
            reason = RESPError(.connectionFailed, "connection failed: \(error)")
        }
        run(state.fail(reason), context: context)
    }

    private func run(_ action: StateMachine<RESPReplySink>.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .armTimer(let deadline):
            armTimer(at: deadline, context: context)
        case .succeed(let promise, let replies, let deadline):
            if let deadline { armTimer(at: deadline, context: context) }
            promise.succeed(replies)
        case .close(let reason, let failing):
            closeReason.record(reason)
            buffer = nil
            // Close before failing the callers, so that none of them picks this connection again.
            context.close(promise: nil)
            for promise in failing { promise.fail(reason) }
        }
    }

    private func armTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let contextBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(deadline: deadline) {
            let handler = loopBound.value
            let context = contextBound.value
            handler.run(handler.state.timerFired(at: deadline, now: context.eventLoop.now), context: context)
        }
    }
}
