/// Where session events go. Sinks must not block: buffer or drop rather than stall a request.
public protocol SessionEventSink: Sendable {
    /// Records one event.
    func record(_ event: SessionEvent)
}

/// Sends every event to several sinks.
public struct MultiplexEventSink: SessionEventSink {
    /// The sinks, in order.
    public var sinks: [any SessionEventSink]

    /// Creates a sink that forwards to `sinks`.
    public init(_ sinks: [any SessionEventSink]) {
        self.sinks = sinks
    }

    /// Records the event.
    public func record(_ event: SessionEvent) {
        for sink in sinks { sink.record(event) }
    }
}

/// Drops every event.
public struct DiscardingEventSink: SessionEventSink {
    /// Creates a sink that drops events.
    public init() {}

    /// Records the event.
    public func record(_ event: SessionEvent) {}
}
