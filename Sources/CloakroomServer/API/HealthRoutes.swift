import Cloakroom
import Hummingbird

/// `GET /health`: whether the store answers, and for a composition, each of its stores.
///
/// `ok` (200) when every store serves; `degraded` (200) when a composition is serving without one
/// of its stores; `unavailable` (503) when sessions cannot be served.
struct HealthRoutes: Sendable {
    let store: any SessionStore

    struct StoreStatus: Encodable {
        var name: String
        var role: String?
        /// `ok`, `down`, or `recovering` (answers again, not yet taken back).
        var status: String
        var detail: String?
    }

    struct HealthBody: Encodable {
        var status: String
        var stores: [StoreStatus]
    }

    @Sendable func health(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (body, serving) = await check()
        return try SessionRoutes.json(serving ? .ok : .serviceUnavailable, body)
    }

    /// Asks every store once; also whether sessions can be served at all.
    func check() async -> (body: HealthBody, serving: Bool) {
        var statuses: [StoreStatus] = []
        let overall: StoreHealth
        if let composed = store as? any ComposedSessionStore {
            // One report, so that each store is asked once.
            let report = await composed.healthReport()
            overall = report.overall
            for component in report.components {
                let status =
                    component.health.isHealthy ? (component.inUse ? "ok" : "recovering") : "down"
                statuses.append(
                    StoreStatus(
                        name: component.health.store,
                        role: component.role,
                        status: status,
                        detail: component.health.detail
                    )
                )
            }
        } else {
            overall = await store.health()
            statuses.append(
                StoreStatus(name: overall.store, status: overall.isHealthy ? "ok" : "down", detail: overall.detail)
            )
        }
        let degraded =
            (store as? any ComposedSessionStore)?.isDegraded == true || statuses.contains { $0.status != "ok" }
        let status = !overall.isHealthy ? "unavailable" : degraded ? "degraded" : "ok"
        return (HealthBody(status: status, stores: statuses), overall.isHealthy)
    }
}
