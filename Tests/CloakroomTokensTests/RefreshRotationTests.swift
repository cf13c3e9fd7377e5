import Cloakroom
import CloakroomTesting
import Foundation
import Testing

@testable import CloakroomTokens

/// The refresh-token state machine on its own, driven by a manual clock.
@Suite("Refresh rotation")
struct RefreshRotationTests {
    let clock = ManualClock()
    let grace = Duration.seconds(10)

    func secret(_ n: UInt8) -> [UInt8] { [UInt8](repeating: n, count: 32) }

    func present(_ secret: [UInt8], _ state: SessionTokenState?, successor: [UInt8], memory: Int = 256)
        -> RefreshRotation.Outcome
    {
        RefreshRotation.present(
            secret,
            to: state,
            now: clock.now,
            successor: successor,
            grace: grace,
            spentMemory: memory
        )
    }

    /// Rotates `count` times from `first`, returning the state and every secret in order.
    func chain(of count: Int) throws -> (SessionTokenState, [[UInt8]]) {
        var secrets = [RefreshToken.newSecret()]
        var state = RefreshRotation.startChain(
            in: nil,
            secret: secrets[0],
            scope: "read",
            now: clock.now,
            maximumChains: 8
        )
        for _ in 0..<count {
            clock.advance(by: .seconds(60))
            let next = RefreshToken.newSecret()
            guard case .rotated(let rotated, let successor, let scope) = present(secrets.last!, state, successor: next)
            else {
                Issue.record("rotation \(secrets.count) was refused")
                throw CancellationError()
            }
            #expect(successor == next)
            #expect(scope == "read")
            state = rotated
            secrets.append(next)
        }
        return (state, secrets)
    }

    @Test func theCurrentTokenRotatesAndOnlyTheNewOneIsCurrent() throws {
        let (state, secrets) = try chain(of: 1)
        #expect(RefreshRotation.currentChain(of: secrets[1], in: state) != nil)
        #expect(RefreshRotation.currentChain(of: secrets[0], in: state) == nil)
        #expect(state.refreshChains[0].rotations == 1)
        // Only hashes are kept: neither secret appears in the encoded state.
        let json = try JSONEncoder().encode(state)
        for secret in secrets {
            #expect(json.range(of: Data(secret)) == nil)
            #expect(String(decoding: json, as: UTF8.self).contains(Data(secret).base64EncodedString()) == false)
        }
    }

    @Test func aChainOf100RotationsDetectsTheReplayOfToken50() throws {
        let (state, secrets) = try chain(of: 100)
        clock.advance(by: .seconds(60))
        #expect(secrets.count == 101)
        #expect(state.refreshChains[0].rotations == 100)
        #expect(present(secrets[50], state, successor: secret(1)) == .reused(rotations: 100))
        #expect(present(secrets[0], state, successor: secret(1)) == .reused(rotations: 100))
        #expect(present(secrets[99], state, successor: secret(1)) == .reused(rotations: 100))
        guard case .rotated = present(secrets[100], state, successor: secret(1)) else {
            Issue.record("the current token did not rotate")
            return
        }
    }

    @Test func theReplacedTokenWithinTheGracePeriodGetsTheSameSuccessor() throws {
        let (state, secrets) = try chain(of: 1)
        clock.advance(by: .seconds(9))
        #expect(
            present(secrets[0], state, successor: secret(2))
                == .repeatedWithinGrace(successor: secrets[1], scope: "read")
        )
        clock.advance(by: .seconds(1))
        #expect(
            present(secrets[0], state, successor: secret(2))
                == .repeatedWithinGrace(successor: secrets[1], scope: "read")
        )
        clock.advance(by: .milliseconds(1))
        #expect(present(secrets[0], state, successor: secret(2)) == .reused(rotations: 1))
    }

    @Test func withoutAGracePeriodTheReplacedTokenIsAReuse() throws {
        let (state, secrets) = try chain(of: 1)
        let outcome = RefreshRotation.present(
            secrets[0],
            to: state,
            now: clock.now,
            successor: secret(3),
            grace: .zero,
            spentMemory: 256
        )
        #expect(outcome == .reused(rotations: 1))
    }

    @Test func aSealedSuccessorThatDoesNotOpenIsNotHandedOut() throws {
        var (state, secrets) = try chain(of: 1)
        state.refreshChains[0].sealedSuccessor = Data(repeating: 0, count: 60)
        #expect(present(secrets[0], state, successor: secret(4)) == .reused(rotations: 1))
    }

    @Test func unknownSecretsEndNothing() throws {
        let (state, _) = try chain(of: 3)
        #expect(present(secret(9), state, successor: secret(5)) == .unknown)
        #expect(present(secret(9), nil, successor: secret(5)) == .unknown)
    }

    @Test func spentTokensBeyondTheMemoryAreForgottenNotPunished() throws {
        var secrets = [RefreshToken.newSecret()]
        var state = RefreshRotation.startChain(
            in: nil,
            secret: secrets[0],
            scope: nil,
            now: clock.now,
            maximumChains: 8
        )
        for _ in 0..<10 {
            clock.advance(by: .seconds(60))
            let next = RefreshToken.newSecret()
            guard case .rotated(let rotated, _, _) = present(secrets.last!, state, successor: next, memory: 4) else {
                Issue.record("rotation refused")
                return
            }
            state = rotated
            secrets.append(next)
        }
        #expect(state.refreshChains[0].spent.count == 4 * RefreshChain.fingerprintLength)
        // Spent: 0…8; previous: 9; current: 10. Remembered: 5…8 and the previous.
        #expect(present(secrets[4], state, successor: secret(6), memory: 4) == .unknown)
        #expect(present(secrets[5], state, successor: secret(6), memory: 4) == .reused(rotations: 10))
    }

    @Test func chainsAreIndependentAndCapped() throws {
        var state: SessionTokenState?
        var firsts: [[UInt8]] = []
        for _ in 0..<4 {
            let secret = RefreshToken.newSecret()
            firsts.append(secret)
            state = RefreshRotation.startChain(in: state, secret: secret, scope: nil, now: clock.now, maximumChains: 3)
        }
        #expect(state?.refreshChains.count == 3)
        #expect(present(firsts[0], state, successor: secret(7)) == .unknown)
        guard case .rotated(let rotated, _, _) = present(firsts[1], state, successor: secret(7)) else {
            Issue.record("the second chain did not rotate")
            return
        }
        #expect(RefreshRotation.currentChain(of: firsts[2], in: rotated) != nil)
        #expect(RefreshRotation.currentChain(of: firsts[3], in: rotated) != nil)
        let removed = RefreshRotation.removingChain(of: firsts[2], from: rotated)
        #expect(removed?.refreshChains.count == 2)
        #expect(RefreshRotation.removingChain(of: secret(9), from: rotated) == nil)
    }
}
