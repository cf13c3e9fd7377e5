import CloakroomHummingbird
import Prometheus

extension PrometheusMetricsFactory {
    /// `cloakroomd`'s factory over `registry`: every timer's histogram resolves sub-millisecond
    /// answers (swift-prometheus's own buckets start at 5 ms, where a session read takes tens of
    /// microseconds).
    static func cloakroom(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = HTTPMetricsMiddleware<APIRequestContext>.latencyBuckets
        return factory
    }
}
