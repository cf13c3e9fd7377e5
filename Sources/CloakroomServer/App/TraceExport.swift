import Logging
import OTel
import ServiceLifecycle

/// Sends `cloakroomd`'s traces to an OpenTelemetry collector over OTLP/HTTP, when one is named.
///
/// Off unless ``ServerConfiguration/otelEndpoint`` (`CLOAKROOM_OTEL_ENDPOINT`) or the standard
/// `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set. Only traces are
/// exported (metrics stay on `/metrics`, logs on standard output); the service is named
/// `cloakroomd`, and the other `OTEL_*` variables (protocol, headers, sampler, batch delays)
/// refine the exporter as the OpenTelemetry specification describes.
enum TraceExport {
    /// The environment variables that turn export on by themselves.
    static let standardEndpoints = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]

    /// Bootstraps the process's tracer with an OTLP exporter and returns the service that sends
    /// its batches, or `nil` when export is off. Call once, before anything reads the tracer.
    static func bootstrap(
        _ configuration: ServerConfiguration,
        environment: [String: String],
        logger: Logger
    ) throws -> (any Service)? {
        let standard = standardEndpoints.first { environment[$0]?.isEmpty == false }
        guard configuration.otelEndpoint != nil || standard != nil else { return nil }
        var otel = OTel.Configuration.default
        otel.serviceName = "cloakroomd"
        otel.logs.enabled = false
        otel.metrics.enabled = false
        otel.traces.exporter = .otlp
        if let endpoint = configuration.otelEndpoint {
            // The setting names the collector, as OTEL_EXPORTER_OTLP_ENDPOINT does; swift-otel
            // takes an endpoint set in code as the traces URL itself.
            otel.traces.otlpExporter.endpoint =
                endpoint.hasSuffix("/v1/traces")
                ? endpoint : endpoint + (endpoint.hasSuffix("/") ? "" : "/") + "v1/traces"
        }
        let service = try OTel.bootstrap(configuration: otel)
        logger.info(
            "exporting traces over OTLP",
            metadata: ["endpoint": "\(configuration.otelEndpoint ?? environment[standard ?? ""] ?? "")"]
        )
        return service
    }
}
