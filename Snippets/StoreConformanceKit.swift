// The code of the CloakroomTesting article, compiled by every build and shown in the article
// slice by slice. Compiled, not run.
// snippet.hide
import Cloakroom
import CloakroomTesting
import Testing

/// Stands for the store under test.
typealias MyStore = MemorySessionStore
extension MemorySessionStore {
    convenience init(url: String) throws { self.init() }
}
let testDatabaseURL = "memory"

struct Whole {
    // snippet.show
    // snippet.oneCall
    @Test func myStoreConforms() async throws {
        try await StoreConformance.run { try MyStore(url: testDatabaseURL) }
    }
    // snippet.end
    // snippet.hide
}

struct PerCheck {
    // snippet.show
    // snippet.perCheck
    @Test(arguments: StoreConformance.Check.allCases)
    func myStoreConforms(_ check: StoreConformance.Check) async throws {
        try await StoreConformance.run(check) { try MyStore(url: testDatabaseURL) }
    }
    // snippet.end
    // snippet.hide
}

// snippet.show
// snippet.outage
let redis = OutageSimulatingStore(MemorySessionStore())
let store = ReplicatedSessionStore(fast: redis, durable: MemorySessionStore())
redis.isDown = true  // writes still succeed; reads come from the durable store
// snippet.end
