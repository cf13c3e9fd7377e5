import Hummingbird
import Tracing

/// Makes each request a server span, continuing the caller's trace from its W3C `traceparent`
/// (or whatever the bootstrapped instrument propagates), so that the spans of
/// ``Cloakroom/SessionManager`` operations and store calls appear under it.
///
/// The span is named `<method> <route>` (`POST /v1/sessions`, `GET /v1/users/{user_id}/sessions`)
/// and carries `http.request.method`, `http.route` and `http.response.status_code` only: not the
/// request's path, query, headers or address, which can name users and sessions. A request no
/// route takes is named by its method alone.
///
/// ```swift
/// router.add(middleware: HTTPTracingMiddleware())
/// ```
public struct HTTPTracingMiddleware<Context: RequestContext>: RouterMiddleware {
    private let tracer: any Tracer
    /// Whether spans are made: not for the no-op tracer.
    private let traces: Bool

    /// Creates the middleware.
    ///
    /// - Parameter tracer: the tracer; by default the one `InstrumentationSystem` was bootstrapped
    ///   with when the middleware is made (without one, requests pass through untouched).
    public init(tracer: any Tracer = InstrumentationSystem.tracer) {
        self.tracer = tracer
        // Decided once: looking the tracer up and casting it cost 2 % of a request.
        traces = !(tracer is NoOpTracer)
    }

    /// Runs the rest of the chain inside the request's span.
    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // Without a tracer, a span would cost a task-local binding for nothing.
        guard traces else { return try await next(request, context) }
        var parent = ServiceContext.current ?? .topLevel
        tracer.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        let method = HTTPMetricsMiddleware<Context>.methodLabel(request.method)
        let span = tracer.startSpan(method, context: parent, ofKind: .server)
        defer { span.end() }
        span.attributes["http.request.method"] = method
        let status: Int
        do {
            let response = try await ServiceContext.withValue(span.context) { try await next(request, context) }
            status = response.status.code
            name(span, context, status: status)
            return response
        } catch {
            status = (error as? any HTTPResponseError)?.status.code ?? 500
            name(span, context, status: status)
            throw error
        }
    }

    private func name(_ span: any Span, _ context: Context, status: Int) {
        guard span.isRecording else { return }
        if let route = context.endpointPath, route.hasPrefix("/") {
            span.operationName = "\(span.operationName) \(route)"
            span.attributes["http.route"] = route
        }
        span.attributes["http.response.status_code"] = status
        // OpenTelemetry's HTTP conventions: a server span is an error for 5xx answers only.
        if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
    }
}

/// Reads propagation headers (`traceparent`, `tracestate`, …) from a request's fields.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from fields: HTTPFields) -> String? {
        HTTPFields.Element.Name(key).flatMap { fields[$0] }
    }
}
