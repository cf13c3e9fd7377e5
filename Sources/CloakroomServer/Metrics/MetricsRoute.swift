import Hummingbird
import NIOCore
import Prometheus

/// `GET /metrics`: every counter, gauge and histogram in the Prometheus text format.
///
/// Labels name operations, outcomes, stores and buckets only: nothing in them identifies a
/// session, a token or a user.
struct MetricsRoute: Sendable {
    let registry: PrometheusCollectorRegistry

    @Sendable func metrics(_ request: Request, context: some RequestContext) async throws -> Response {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/plain; version=0.0.4; charset=utf-8",
                .cacheControl: "no-store",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer))
        )
    }
}
