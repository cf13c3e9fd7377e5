import NIOCore
import NIOEmbedded
import Testing

@testable import RESP

/// The command handler's rules, without a server: the state machine with a manual clock, and the
/// handler itself in an `EmbeddedChannel` whose loop time the test moves.
@Suite("RESP command handler")
struct RESPCommandHandlerTests {
    typealias Machine = RESPCommandHandler.StateMachine<Int>
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test("replies go to the oldest request, a pipeline of N commands gets N replies")
    func repliesInOrder() {
        var machine = Machine()
        guard case .send(let armed) = machine.write(commandCount: 2, promise: 1, timeout: .seconds(1), now: start)
        else { Issue.record("first write refused"); return }
        #expect(armed == start + .seconds(1))
        // The second request's later deadline needs no timer of its own yet.
        guard
            case .send(nil) = machine.write(
                commandCount: 1,
                promise: 2,
                timeout: .seconds(1),
                now: start + .milliseconds(5)
            )
        else { Issue.record("second write armed a second timer"); return }
        #expect(machine.receive(.integer(1)).isNone)
        guard case .succeed(1, let first, let next) = machine.receive(.integer(2)) else {
            Issue.record("request 1 did not get both replies"); return
        }
        #expect(first == [.integer(1), .integer(2)])
        #expect(next == nil)  // the armed timer still fires before request 2's deadline
        guard case .succeed(2, let second, nil) = machine.receive(.simpleString("OK")) else {
            Issue.record("request 2 did not get its reply"); return
        }
        #expect(second == [.simpleString("OK")])
        #expect(machine.pendingCount == 0)
    }

    @Test("push messages are not replies")
    func pushesAreSkipped() {
        var machine = Machine()
        _ = machine.write(commandCount: 1, promise: 1, timeout: .seconds(1), now: start)
        #expect(machine.receive(.push([.bulkString(Array("invalidate".utf8))])).isNone)
        guard case .succeed(1, _, _) = machine.receive(.integer(7)) else { Issue.record("reply lost"); return }
    }

    @Test("a timer that fires early re-arms; a missed deadline closes and fails every request")
    func timeouts() {
        var machine = Machine()
        _ = machine.write(commandCount: 1, promise: 1, timeout: .milliseconds(100), now: start)
        _ = machine.write(commandCount: 1, promise: 2, timeout: .milliseconds(100), now: start + .milliseconds(50))
        guard case .succeed(1, _, let rearm) = machine.receive(.integer(1)) else { Issue.record(); return }
        // The timer armed for request 1 is still out there; request 2 waits for it.
        #expect(rearm == nil)
        guard
            case .armTimer(let next) = machine.timerFired(
                at: start + .milliseconds(100),
                now: start + .milliseconds(100)
            )
        else { Issue.record("no timer for request 2"); return }
        #expect(next == start + .milliseconds(150))
        guard case .close(let reason, let failing) = machine.timerFired(at: next, now: next) else {
            Issue.record("missed deadline did not close"); return
        }
        #expect(reason.code == .timeout)
        #expect(failing == [2])
        // Later events keep the first reason: the close re-enters as "inactive".
        guard case .close(let again, []) = machine.fail(RESPError(.connectionFailed, "closed")) else {
            Issue.record(); return
        }
        #expect(again.code == .timeout)
        guard case .fail(let refused) = machine.write(commandCount: 1, promise: 3, timeout: .seconds(1), now: next)
        else { Issue.record("a closed connection took a request"); return }
        #expect(refused.code == .timeout)
        #expect(machine.receive(.integer(1)).isNone)
    }

    @Test("a reply nobody asked for closes the connection")
    func unsolicitedReply() {
        var machine = Machine()
        guard case .close(let reason, []) = machine.receive(.simpleString("OK")) else { Issue.record(); return }
        #expect(reason.code == .malformedReply)
    }

    @Test("in a channel: replies complete promises, the loop's clock times requests out")
    func handlerInAChannel() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(
            handler: RESPCommandHandler(limits: RESPDecoderLimits(), closeReason: CloseReason()),
            loop: loop
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        #expect(channel.isActive)
        let answered = loop.makePromise(of: [RESPValue].self)
        channel.write(
            RESPRequest(commands: [RESPCommand("PING")], promise: answered, timeout: .milliseconds(100)),
            promise: nil
        )
        loop.run()  // the shared flush
        let sent = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(String(buffer: sent) == "*1\r\n$4\r\nPING\r\n")
        try channel.writeInbound(ByteBuffer(string: "+PO"))
        try channel.writeInbound(ByteBuffer(string: "NG\r\n"))
        #expect(try answered.futureResult.wait() == [.simpleString("PONG")])

        let late = loop.makePromise(of: [RESPValue].self)
        channel.write(
            RESPRequest(commands: [RESPCommand("GET", "k")], promise: late, timeout: .milliseconds(100)),
            promise: nil
        )
        loop.advanceTime(by: .milliseconds(99))
        #expect(channel.isActive)
        loop.advanceTime(by: .milliseconds(2))
        #expect(throws: RESPError.self) { try late.futureResult.wait() }
        #expect(!channel.isActive)
    }

    @Test("an unasked-for reply followed by more bytes closes the channel without crashing")
    func unsolicitedBytes() throws {
        let closeReason = CloseReason()
        let channel = EmbeddedChannel(
            handler: RESPCommandHandler(limits: RESPDecoderLimits(), closeReason: closeReason)
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        #expect(channel.isActive)
        _ = try? channel.writeInbound(ByteBuffer(string: "+OK\r\n+OK\r\n:1\r\n"))
        #expect(!channel.isActive)
        #expect(closeReason.error?.code == .malformedReply)
    }
}

extension RESPCommandHandler.StateMachine.Action {
    var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}
