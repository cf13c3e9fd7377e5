/// What a resume does when the client it carries (``ClientInfo``) differs from the one the
/// session last saw: a session cookie replayed from another network or another browser is the
/// typical sign of a stolen session.
///
/// Only a resume that carries client facts is compared (the framework integrations and
/// `POST /v1/sessions/resume` with `ip` or `user_agent` do), and only facts both sides know: a
/// session created without an IP records the first one it sees without reacting.
public struct ClientChangePolicy: Sendable, Hashable {
    /// The reaction to one kind of change, from mildest to strongest.
    public enum Reaction: String, Sendable, Hashable, Comparable, CaseIterable {
        /// Compare nothing; keep the first value the session was created with.
        case ignore
        /// Record the new value as the session's last seen (shown in "Your sessions").
        case record
        /// ``record``, and emit a ``SessionEvent/Kind/clientChanged`` event.
        case notify
        /// ``notify``, and clear the session's ``SessionMetadata/authenticatedAt``, so routes
        /// guarded by a recent-authentication check ask the user to sign in again; the user stays
        /// signed in elsewhere.
        case reauthenticate
        /// End the session (``SessionEvent/EndReason/clientChanged``): the resume finds none.
        case end

        /// Whether `lhs` is the milder reaction (the cases are declared mildest first).
        public static func < (lhs: Reaction, rhs: Reaction) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The reaction to a new IP address. Default: ``Reaction/notify`` (mobile clients change
    /// networks often, so ending sessions on it would sign honest users out).
    public var ipChange: Reaction
    /// The reaction to a new user agent. Default: ``Reaction/notify`` (browsers change it on
    /// every update).
    public var userAgentChange: Reaction

    /// Creates a policy; by default a change is recorded and reported, never acted on.
    public init(ipChange: Reaction = .notify, userAgentChange: Reaction = .notify) {
        self.ipChange = ipChange
        self.userAgentChange = userAgentChange
    }

    /// Whether any change is compared, so integrations can skip working out the client's facts.
    public var watchesClient: Bool { ipChange != .ignore || userAgentChange != .ignore }

    /// What a resume from `client` does to a session that last saw `metadata`, or `nil` when
    /// nothing the policy compares has changed.
    func assess(_ metadata: SessionMetadata, against client: ClientInfo) -> ClientChangeAssessment? {
        var assessment = ClientChangeAssessment()
        func compare(_ known: String?, _ seen: String?, _ reaction: Reaction) -> String? {
            guard reaction != .ignore, let seen, known != seen else { return nil }
            // A fact the session did not know yet is recorded, never reacted to.
            let effective = known == nil ? Reaction.record : reaction
            assessment.reaction = max(assessment.reaction, effective)
            return seen
        }
        assessment.ip = compare(metadata.ip, client.ip, ipChange)
        assessment.userAgent = compare(metadata.userAgent, client.userAgent, userAgentChange)
        return assessment.ip == nil && assessment.userAgent == nil ? nil : assessment
    }
}

/// The outcome of comparing a resume's client with the session's last seen one.
struct ClientChangeAssessment {
    /// The strongest reaction a change calls for.
    var reaction = ClientChangePolicy.Reaction.ignore
    /// The new IP address to record, when it changed and the policy watches it.
    var ip: String?
    /// The new user agent to record, when it changed and the policy watches it.
    var userAgent: String?
}
