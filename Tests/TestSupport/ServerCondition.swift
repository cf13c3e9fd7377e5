import Testing

extension Trait where Self == ConditionTrait {
    /// Runs the suite or test only where the server in `variable` (set by `scripts/test-servers`)
    /// is available. Outside CI a missing server shows as **skipped**, never as passed; under
    /// `CI=true` the condition always holds, so the tests run and fail on the missing address
    /// (``TestServers/Missing``) instead of being skipped.
    public static func needsServer(_ variable: String) -> Self {
        .enabled(
            if: TestServers.isCI || TestServers.isSet(variable),
            Comment(rawValue: "\(variable) is not set; run through scripts/test to include these tests")
        )
    }
}
