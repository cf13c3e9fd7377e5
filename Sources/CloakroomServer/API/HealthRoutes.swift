import Cloakroom
import CloakroomHummingbird
import Hummingbird

/// `GET /health`: whether the store answers, and for a composition, each of its stores.
///
/// `ok` (200) when every store serves; `degraded` (200) when a composition is serving without one
/// of its stores; `unavailable` (503) when sessions cannot be served.
///
/// Anyone may ask (load balancers send no key), but only a caller with an `admin` API key sees
/// the stores' names and details: they hold addresses and error texts an attacker maps a network
/// with. Everyone else gets the overall status alone.
struct HealthRoutes: Sendable {
    let store: any SessionStore
    let apiKeys: APIKeyRing

    struct StoreStatus: Encodable {
        var name: String
        var role: String?
        /// `ok`, `down`, or `recovering` (answers again, not yet taken back).
        var status: String
        var detail: String?
    }

    struct HealthBody: Encodable {
        var status: String
        /// `nil` in the answer to a caller without an admin key.
        var stores: [StoreStatus]?
    }

    @Sendable func health(_ request: Request, context: APIRequestContext) async throws -> Response {
        var (body, serving) = await check()
        if !isAdmin(request) { body.stores = nil }
        return try SessionRoutes.json(serving ? .ok : .serviceUnavailable, body)
    }

    /// Whether the request carries an API key with the admin scope; a missing or wrong key is no
    /// error here, only less detail.
    private func isAdmin(_ request: Request) -> Bool {
        apiKeys.key(forAuthorization: request.headers.value(of: .authorization))?.allows(.admin) == true
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
