import Logging

/// Writes events to a swift-log `Logger` at the given level, with the event as metadata.
public struct LogEventSink: SessionEventSink {
    let logger: Logger
    let level: Logger.Level

    /// Creates a sink writing to `logger` at `level` (default `info`).
    public init(logger: Logger, level: Logger.Level = .info) {
        self.logger = logger
        self.level = level
    }

    /// Records the event.
    public func record(_ event: SessionEvent) {
        var metadata: Logger.Metadata = ["event": "\(event.kind.rawValue)"]
        if let handle = event.handle { metadata["session"] = "\(handle)" }
        if let userID = event.userID { metadata["user"] = "\(userID)" }
        if let reason = event.reason { metadata["reason"] = "\(reason.rawValue)" }
        if let ip = event.ip { metadata["ip"] = "\(ip)" }
        if let bucket = event.bucket { metadata["bucket"] = "\(bucket)" }
        if let count = event.count { metadata["count"] = "\(count)" }
        if let store = event.store {
            metadata["store"] = "\(store)"
            logger.log(
                level: max(level, event.kind == .storeBypassed ? .warning : .notice),
                "store \(event.kind.rawValue)",
                metadata: metadata
            )
            return
        }
        logger.log(level: level, "session \(event.kind.rawValue)", metadata: metadata)
    }
}
