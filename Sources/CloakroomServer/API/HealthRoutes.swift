import Cloakroom
import Hummingbird

/// `GET /health`: whether every store answers.
struct HealthRoutes: Sendable {
    let stores: [any SessionStore]

    struct StoreStatus: Encodable {
        var name: String
        var status: String
        var detail: String?
    }

    struct HealthBody: Encodable {
        var status: String
        var stores: [StoreStatus]
    }

    @Sendable func health(_ request: Request, context: APIRequestContext) async throws -> Response {
        var statuses: [StoreStatus] = []
        for store in stores {
            let health = await store.health()
            statuses.append(
                StoreStatus(name: health.store, status: health.isHealthy ? "ok" : "down", detail: health.detail)
            )
        }
        let healthy = statuses.allSatisfy { $0.status == "ok" }
        return try SessionRoutes.json(
            healthy ? .ok : .serviceUnavailable,
            HealthBody(status: healthy ? "ok" : "unavailable", stores: statuses)
        )
    }
}
