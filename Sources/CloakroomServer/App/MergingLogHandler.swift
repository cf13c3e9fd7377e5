import Logging

/// A log handler that keeps metadata set on the logger as a plain dictionary and hands it to the
/// handler it wraps only when something is logged.
///
/// Hummingbird sets a request ID on a copy of the server's logger for every request; swift-log's
/// `StreamLogHandler` re-renders all of its metadata on every such set, which cost ~3 % of
/// `cloakroomd`'s CPU on a resume that logs nothing. The output is the same: the wrapped handler
/// receives the metadata with each message, explicit values winning as they would.
struct MergingLogHandler: LogHandler {
    private var wrapped: any LogHandler

    /// Metadata set on the logger, rendered only by the messages that are logged.
    var metadata: Logger.Metadata

    /// Wraps `handler`, taking over the metadata it holds.
    init(wrapping handler: any LogHandler) {
        metadata = handler.metadata
        wrapped = handler
        wrapped.metadata = [:]
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard !metadata.isEmpty else { return wrapped.log(event: event) }
        var event = event
        event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        wrapped.log(event: event)
    }
}
