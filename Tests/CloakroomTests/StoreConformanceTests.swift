import Cloakroom
import CloakroomTesting
import Foundation
import Testing

@Suite("Store conformance: memory and file")
struct StoreConformanceTests {
    @Test(arguments: StoreConformance.Check.allCases)
    func memory(_ check: StoreConformance.Check) async throws {
        try await StoreConformance.run(check) { MemorySessionStore() }
    }

    @Test(arguments: StoreConformance.Check.allCases)
    func file(_ check: StoreConformance.Check) async throws {
        let folder = try TemporaryFolder()
        try await StoreConformance.run(check, corrupt: FileStoreCorrupter.corrupt) {
            try FileSessionStore(directory: folder.url)
        }
    }
}

enum FileStoreCorrupter {
    @Sendable static func corrupt(_ store: any SessionStore, _ key: SessionKey) async throws {
        let store = try #require(store as? FileSessionStore)
        let path = store.directory.appendingPathComponent("sessions/\(key.hex).json")
        try Data("{\"key\": 12, trailing garbage".utf8).write(to: path)
    }
}
