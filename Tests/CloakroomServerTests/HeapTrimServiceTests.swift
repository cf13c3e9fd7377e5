import CloakroomServer
import Logging
import ServiceLifecycle
import Testing

@Suite("Heap trimming")
struct HeapTrimServiceTests {
    @Test func glibcCanTrimItsHeap() {
        // The Linux builds of cloakroomd link glibc; a service that silently did nothing there
        // would let resident memory climb again.
        #expect(HeapTrimService.isAvailable)
    }

    @Test func trimsUntilShutdownAndStopsPromptly() async throws {
        // An interval far longer than the test: a graceful shutdown must not wait for it.
        let service = HeapTrimService(interval: .seconds(3_600))
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: service)], logger: Logger(label: "test"))
        )
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(100))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(clock.now - started < .seconds(10), "the service held up the shutdown")
    }
}
