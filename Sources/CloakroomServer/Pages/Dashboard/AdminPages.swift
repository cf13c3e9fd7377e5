import Cloakroom
import CloakroomHummingbird
import Foundation
import Hummingbird
import Prometheus

/// The admin dashboard: live counts, rates, store health, user look-up and ending a user's
/// sessions, behind a sign-in with an `admin` API key.
struct AdminPages: Sendable {
    let manager: SessionManager
    let apiKeys: APIKeyRing
    let renderer: PageRenderer
    let throttle: LoginThrottle
    let health: HealthRoutes
    let registry: PrometheusCollectorRegistry
    let rates: OperationRates
    let gauges: StoreGaugeService

    static let refreshSeconds = 10

    struct SignInForm: Decodable {
        var key: String
    }

    struct UserForm: Decodable {
        var user: String
    }

    func register(_ router: some RouterMethods<APIRequestContext>) {
        router.get("admin", use: dashboard)
        router.get("admin/signin", use: signInPage)
        router.post("admin/signin", use: signIn)
        router.post("admin/users/end", use: endUser)
    }

    @Sendable func signInPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        if try await admin(context) != nil { return PageRenderer.redirect("/admin") }
        return try await signInForm(context, error: nil, status: .ok)
    }

    private func signInForm(
        _ context: APIRequestContext,
        error: String?,
        status: HTTPResponse.Status,
        headers: HTTPFields = [:]
    ) async throws -> Response {
        var values: [String: Any] = [
            "title": "Admin sign-in",
            "csrfField": try await context.session.csrfField(creatingSession: false),
        ]
        if let error { values["error"] = error }
        return renderer.page("admin-signin", values, status: status, headers: headers)
    }

    @Sendable func signIn(_ request: Request, context: APIRequestContext) async throws -> Response {
        let form = try await PageForm.decode(SignInForm.self, from: request)
        // Keys are 256-bit secrets, so this only keeps scripted noise down, per address.
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        if let retry = try await throttle.admit(account: "admin@" + address) {
            return try await signInForm(
                context,
                error: "Too many attempts. Try again in \(retry) seconds.",
                status: .tooManyRequests,
                headers: [.retryAfter: String(retry)]
            )
        }
        guard let key = apiKeys.key(forSecret: form.key.trimmingCharacters(in: .whitespaces)), key.allows(.admin)
        else {
            return try await signInForm(
                context,
                error: "That is not an API key with the admin scope.",
                status: .unauthorized
            )
        }
        try await context.session.login(user: "admin:" + key.name)
        guard let session = try await context.session.current() else {
            throw HTTPError(.internalServerError, message: "the new session vanished; sign in again")
        }
        try context.session.set(key.name, forKey: AdminProof.keyNameField)
        try context.session.set(AdminProof.make(for: session.key, apiKey: key), forKey: AdminProof.proofField)
        return PageRenderer.redirect("/admin")
    }

    @Sendable func dashboard(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let key = try await admin(context) else { return PageRenderer.redirect("/admin/signin") }
        // A fresh count for the one reading it (the service samples every 15 s for /metrics).
        await gauges.sample()
        rates.sampleIfStale()
        let snapshot = MetricsSnapshot(registry: registry)
        let (report, _) = await health.check()
        var values: [String: Any] = [
            "title": "Dashboard",
            "admin": key.name,
            "refreshSeconds": Self.refreshSeconds,
            "live": Self.count(snapshot.sum("cloakroom_live_sessions")),
            "createRate": rates.perMinute("create").map(Self.rate) ?? "–",
            "resumeRate": rates.perMinute("resume").map(Self.rate) ?? "–",
            "status": report.status,
            "statusClass": Self.statusClass(report.status),
            "stores": (report.stores ?? []).map { store -> [String: Any] in
                [
                    "name": store.name, "role": store.role ?? "primary", "status": store.status,
                    "statusClass": Self.statusClass(store.status), "detail": store.detail ?? "",
                ]
            },
            "operations": operations(snapshot),
            "charts": charts().map { chart in
                ["id": chart.id, "label": chart.title, "latest": chart.latest, "svg": chart.svg]
            },
            "rateLimited": Self.count(snapshot.sum("cloakroom_rate_limited_total")),
            "csrfRefused": Self.count(snapshot.sum("cloakroom_csrf_refusals_total")),
            "csrfField": try await context.session.csrfField(),
        ]
        if let user = request.uri.queryParameters["user"].map(String.init), !user.isEmpty {
            values["lookupUser"] = user
            let now = manager.clock.now
            let sessions = (try? await manager.sessions(ofUser: user)) ?? []
            values["userSessions"] = sessions.map { summary -> [String: Any] in
                [
                    "handle": summary.handle, "device": summary.metadata.device ?? "Unknown device",
                    "ip": summary.metadata.ip ?? "unknown",
                    "lastSeen": PageRenderer.relative(summary.metadata.lastSeenAt, now: now),
                ]
            }
            values["hasUserSessions"] = !sessions.isEmpty
        }
        if let ended = request.uri.queryParameters["ended"].flatMap({ Int($0) }) {
            values["info"] = ended == 1 ? "1 session ended." : "\(ended) sessions ended."
        }
        return renderer.page("dashboard", values)
    }

    @Sendable func endUser(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard try await admin(context) != nil else { return PageRenderer.redirect("/admin/signin") }
        let form = try await PageForm.decode(UserForm.self, from: request)
        let ended = try await manager.endAll(ofUser: form.user)
        let query = form.user.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return PageRenderer.redirect("/admin?user=\(query)&ended=\(ended)")
    }

    private func admin(_ context: APIRequestContext) async throws -> APIKey? {
        guard let session = try await context.session.current() else { return nil }
        return AdminProof.verify(session, keys: apiKeys)
    }

    private func operations(_ snapshot: MetricsSnapshot) -> [[String: Any]] {
        let name = OperationRates.counter
        return snapshot.values(of: "operation", in: name).map { operation in
            let count = snapshot.sum(
                "cloakroom_session_operations_duration_seconds_count",
                matching: ["operation": operation]
            )
            let total = snapshot.sum(
                "cloakroom_session_operations_duration_seconds_sum",
                matching: ["operation": operation]
            )
            return [
                "name": operation.replacingOccurrences(of: "_", with: " "),
                "ok": Self.count(snapshot.sum(name, matching: ["operation": operation, "outcome": "ok"])),
                "rejected": Self.count(snapshot.sum(name, matching: ["operation": operation, "outcome": "rejected"])),
                "errors": Self.count(snapshot.sum(name, matching: ["operation": operation, "outcome": "error"])),
                "latency": count > 0 ? String(format: "%.2f ms", total / count * 1000) : "–",
            ]
        }
    }

    /// The last hour, a point per minute: creates, resumes, errors and the p99 latency of all
    /// session operations.
    private func charts() -> [DashboardChart] {
        let minutes = rates.lastMinutes()
        return [
            DashboardChart(id: "chart-create", title: "Creates per minute", values: minutes.map { $0?.creates }) {
                Self.rate($0)
            },
            DashboardChart(id: "chart-resume", title: "Resumes per minute", values: minutes.map { $0?.resumes }) {
                Self.rate($0)
            },
            DashboardChart(id: "chart-errors", title: "Errors per minute", values: minutes.map { $0?.errors }) {
                Self.rate($0)
            },
            DashboardChart(id: "chart-p99", title: "p99 latency", values: minutes.map { $0?.p99 }) {
                Self.latency($0)
            },
        ]
    }

    /// Seconds as `420 µs`, `3.5 ms` or `1.2 s`.
    static func latency(_ seconds: Double) -> String {
        switch seconds {
        case 0: "0"
        case ..<0.001: "\(Int((seconds * 1_000_000).rounded())) µs"
        case ..<1: String(format: "%.1f ms", seconds * 1000)
        default: String(format: "%.1f s", seconds)
        }
    }

    static func count(_ value: Double) -> String { String(Int(value)) }

    static func rate(_ value: Double) -> String { value < 10 ? String(format: "%.1f", value) : String(Int(value)) }

    static func statusClass(_ status: String) -> String {
        switch status {
        case "ok": "ok"
        case "degraded", "recovering": "warn"
        default: "bad"
        }
    }
}
