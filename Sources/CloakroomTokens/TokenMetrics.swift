import Metrics

/// The counters a ``TokenService`` keeps (swift-metrics; exported wherever the application
/// bootstraps a backend). Labels name operations and outcomes, never a token, session or user.
struct TokenMetrics: Sendable {
    let factory: any MetricsFactory

    /// `cloakroom_tokens_issued_total{by}`: pairs handed out, by `grant` or `refresh`.
    func issued(by: String) {
        Counter(label: "cloakroom_tokens_issued_total", dimensions: [("by", by)], factory: factory).increment()
    }

    /// `cloakroom_token_refreshes_total{outcome}`: `rotated`, `repeated_within_grace`, `reused`,
    /// `unknown` or `session_ended`.
    func refresh(_ outcome: String) {
        Counter(label: "cloakroom_token_refreshes_total", dimensions: [("outcome", outcome)], factory: factory)
            .increment()
    }

    /// `cloakroom_token_checks_total{outcome}`: access-token verifications, `active` or the
    /// ``TokenError/Code`` that refused them.
    func checked(_ outcome: String) {
        Counter(label: "cloakroom_token_checks_total", dimensions: [("outcome", outcome)], factory: factory)
            .increment()
    }
}
