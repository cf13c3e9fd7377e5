import Cloakroom
import Synchronization

/// An event sink that keeps every event in memory, for assertions in tests.
public final class RecordingEventSink: SessionEventSink {
    private let recorded = Mutex<[SessionEvent]>([])

    /// Creates an empty sink.
    public init() {}

    /// Every event recorded so far, oldest first.
    public var events: [SessionEvent] { recorded.withLock { $0 } }

    /// Keeps the event.
    public func record(_ event: SessionEvent) { recorded.withLock { $0.append(event) } }
}
