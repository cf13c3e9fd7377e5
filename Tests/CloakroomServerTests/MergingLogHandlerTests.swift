import Logging
import Synchronization
import Testing

@testable import CloakroomServer

/// `cloakroomd`'s logger keeps metadata aside and hands it over with each message: what reaches
/// the real handler must be what it would have had itself.
@Suite("Logging: metadata merged when a message is logged")
struct MergingLogHandlerTests {
    final class Recorder: Sendable {
        let events = Mutex<[Logger.Metadata]>([])
    }

    struct RecordingHandler: LogHandler {
        let recorder: Recorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
            recorder.events.withLock { $0.append(merged) }
        }
    }

    @Test func metadataSetOnTheLoggerReachesTheHandlerWithEachMessage() {
        let recorder = Recorder()
        var original = RecordingHandler(recorder: recorder)
        original.metadata = ["service": "cloakroomd"]
        var logger = Logger(label: "test") { _ in MergingLogHandler(wrapping: original) }
        logger[metadataKey: "hb.request.id"] = "42"
        logger[metadataKey: "service"] = "renamed"
        logger.info("one", metadata: ["hb.request.id": "explicit"])
        logger.debug("below the level")
        logger.warning("two")
        #expect(
            recorder.events.withLock { $0 } == [
                ["service": "renamed", "hb.request.id": "explicit"],
                ["service": "renamed", "hb.request.id": "42"],
            ]
        )
        #expect(logger[metadataKey: "hb.request.id"] == "42")
    }
}
