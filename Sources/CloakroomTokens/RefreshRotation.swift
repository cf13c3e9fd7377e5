import Cloakroom
import Crypto
import Foundation

/// The refresh-token rules as a pure state machine over ``Cloakroom/SessionTokenState``: what
/// presenting a secret at a given time does, with no store, clock or randomness of its own.
///
/// For the secret presented, looked up in each chain of the session:
///
/// | the secret is the chain's | and | outcome |
/// | --- | --- | --- |
/// | current token | — | ``Outcome/rotated(_:successor:scope:)``: a new current token, the old one spent |
/// | previous token | within the grace period of its rotation | ``Outcome/repeatedWithinGrace(successor:scope:)``: the same successor again, nothing changes |
/// | previous token | after the grace period | ``Outcome/reused(rotations:)``: theft, end the session |
/// | spent earlier token | — | ``Outcome/reused(rotations:)`` |
/// | none of them | — | ``Outcome/unknown`` (never issued, forgotten, or its chain dropped): refuse, end nothing |
///
/// The grace period covers one client racing itself (two tabs refreshing at once, a retry after
/// a lost response): the loser gets the token the winner got, sealed in the chain under a key
/// only the previous token's holder can derive, so a store reader learns nothing usable.
public enum RefreshRotation {
    /// What presenting a refresh token does.
    public enum Outcome: Sendable, Equatable {
        /// The token was current: save `state`, hand out `successor`; `scope` is the chain's.
        case rotated(SessionTokenState, successor: [UInt8], scope: String?)
        /// The token was replaced moments ago: hand out `successor` again; save nothing.
        case repeatedWithinGrace(successor: [UInt8], scope: String?)
        /// The token was already used: someone else holds it. End the session.
        case reused(rotations: Int)
        /// Not a token of this session that is remembered: refuse, end nothing.
        case unknown
    }

    /// The state with a new chain whose current token has `secret`, dropping the oldest chains
    /// beyond `maximumChains`.
    public static func startChain(
        in state: SessionTokenState?,
        secret: [UInt8],
        scope: String?,
        now: Date,
        maximumChains: Int
    ) -> SessionTokenState {
        var next = state ?? SessionTokenState()
        next.refreshChains.append(RefreshChain(current: digest(secret), createdAt: now, scope: scope))
        if next.refreshChains.count > maximumChains {
            next.refreshChains.removeFirst(next.refreshChains.count - maximumChains)
        }
        return next
    }

    /// What presenting `secret` at `now` does.
    ///
    /// - Parameters:
    ///   - secret: the refresh token's secret as the client presented it.
    ///   - state: the session's token state; `nil` when it has none.
    ///   - now: the time of the presentation.
    ///   - successor: the secret to issue if the presented one is current (fresh random bytes).
    ///   - grace: how long after a rotation the replaced token may be presented again.
    ///   - spentMemory: how many spent tokens per chain are remembered.
    public static func present(
        _ secret: [UInt8],
        to state: SessionTokenState?,
        now: Date,
        successor: [UInt8],
        grace: Duration,
        spentMemory: Int
    ) -> Outcome {
        guard let state else { return .unknown }
        let hash = digest(secret)
        let fingerprint = hash.prefix(RefreshChain.fingerprintLength)
        for (index, chain) in state.refreshChains.enumerated() {
            if chain.current == hash {
                var next = state
                next.refreshChains[index] = rotate(
                    chain,
                    presented: secret,
                    successor: successor,
                    now: now,
                    spentMemory: spentMemory
                )
                return .rotated(next, successor: successor, scope: chain.scope)
            }
            if chain.previous == hash {
                if grace > .zero, let rotatedAt = chain.rotatedAt, now.timeIntervalSince(rotatedAt) <= grace.seconds,
                    let sealed = chain.sealedSuccessor,
                    let earlier = open(sealed, with: secret),
                    digest(earlier) == chain.current
                {
                    return .repeatedWithinGrace(successor: earlier, scope: chain.scope)
                }
                return .reused(rotations: chain.rotations)
            }
            if contains(chain.spent, fingerprint) {
                return .reused(rotations: chain.rotations)
            }
        }
        return .unknown
    }

    /// The state without the chain that `secret` is the current or previous token of; `nil` when
    /// no chain has it as either (a spent or unknown token revokes nothing).
    public static func removingChain(of secret: [UInt8], from state: SessionTokenState?) -> SessionTokenState? {
        guard var state else { return nil }
        let hash = digest(secret)
        guard let index = state.refreshChains.firstIndex(where: { $0.current == hash || $0.previous == hash }) else {
            return nil
        }
        state.refreshChains.remove(at: index)
        return state
    }

    /// The chain whose current token has `secret`, if any.
    public static func currentChain(of secret: [UInt8], in state: SessionTokenState?) -> RefreshChain? {
        let hash = digest(secret)
        return state?.refreshChains.first { $0.current == hash }
    }

    // MARK: Parts

    static func rotate(
        _ chain: RefreshChain,
        presented: [UInt8],
        successor: [UInt8],
        now: Date,
        spentMemory: Int
    ) -> RefreshChain {
        var next = chain
        if let previous = chain.previous {
            next.spent.append(contentsOf: previous.prefix(RefreshChain.fingerprintLength))
            let excess = next.spent.count / RefreshChain.fingerprintLength - spentMemory
            if excess > 0 { next.spent = Data(next.spent.dropFirst(excess * RefreshChain.fingerprintLength)) }
        }
        next.previous = chain.current
        next.current = digest(successor)
        next.sealedSuccessor = seal(successor, with: presented)
        next.rotatedAt = now
        next.rotations = chain.rotations + 1
        return next
    }

    static func digest(_ secret: [UInt8]) -> Data { Data(SHA256.hash(data: secret)) }

    static func contains(_ spent: Data, _ fingerprint: Data) -> Bool {
        let width = RefreshChain.fingerprintLength
        var start = spent.startIndex
        while start + width <= spent.endIndex {
            if spent[start..<(start + width)] == fingerprint { return true }
            start += width
        }
        return false
    }

    /// The key that seals a successor: derived from the presented secret, which the store never holds.
    static func sealingKey(_ secret: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret),
            info: Array("cloakroom refresh successor v1".utf8),
            outputByteCount: 32
        )
    }

    static func seal(_ successor: [UInt8], with secret: [UInt8]) -> Data? {
        try? ChaChaPoly.seal(successor, using: sealingKey(secret)).combined
    }

    static func open(_ sealed: Data, with secret: [UInt8]) -> [UInt8]? {
        guard let box = try? ChaChaPoly.SealedBox(combined: sealed),
            let plain = try? ChaChaPoly.open(box, using: sealingKey(secret))
        else { return nil }
        return Array(plain)
    }
}
