import Hummingbird
import Metrics

/// Counts requests and times them per route, method and status, through swift-metrics.
///
/// Records, for every request:
/// - `<prefix>_requests_total{route, method, status}`: a counter;
/// - `<prefix>_request_duration_seconds{route, method, status}`: a timer, from the moment the
///   middleware is called until the response (or the error) comes back to it, before the body
///   is written.
///
/// `route` is the path pattern the router matched (`/v1/users/{user_id}/sessions`), never the
/// request's own path, so no user, session or token ever becomes a label, and the number of
/// series stays bounded by the routes the app has: a request no route takes is `unmatched`,
/// a method outside RFC 9110's is `other`. An error thrown through the middleware counts with
/// its `HTTPResponseError` status, or 500.
///
/// Add it first, so that it sees every request with the status the client gets:
///
/// ```swift
/// router.add(middleware: HTTPMetricsMiddleware())
/// ```
///
/// Where timers become histograms (swift-prometheus), give this timer buckets that resolve
/// sub-millisecond answers, ``latencyBuckets``:
///
/// ```swift
/// var factory = PrometheusMetricsFactory(registry: registry)
/// factory.durationHistogramBuckets["cloakroom_http_request_duration_seconds"] = HTTPMetricsMiddleware<MyContext>.latencyBuckets
/// ```
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let instruments: RouteInstruments

    /// Creates the middleware.
    ///
    /// - Parameters:
    ///   - prefix: the start of each metric's label; `cloakroom_http` by default.
    ///   - factory: where the metrics go; by default the one `MetricsSystem` was bootstrapped with.
    public init(prefix: String = "cloakroom_http", factory: any MetricsFactory = MetricsSystem.factory) {
        instruments = RouteInstruments(prefix: prefix, factory: factory)
    }

    /// Histogram buckets from 50 µs to 10 s: a session read answers in tens of microseconds, a
    /// store outage in seconds.
    public static var latencyBuckets: [Duration] {
        [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
            .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
    }

    /// Runs the rest of the chain, then counts and times the outcome.
    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        // The router names the pattern once it matched a route; "NotFound" when none took it.
        let matched = context.endpointPath
        let route = matched.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "unmatched"
        instruments.instrument(route: route, method: Self.methodLabel(request.method), status: status)
            .record(elapsed)
    }

    /// The method's name when RFC 9110 (or PATCH's RFC 5789) defines it, else `other`: any
    /// client can send any token as a method, and each would be a new series.
    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .patch, .options, .connect, .trace: method.rawValue
        default: "other"
        }
    }
}
