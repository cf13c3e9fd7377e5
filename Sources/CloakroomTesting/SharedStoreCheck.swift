import Cloakroom

extension StoreConformance {
    /// Checks that several instances of a store over one backend (as several processes or hosts
    /// would open it) lose no updates and see each other's rotations at once.
    ///
    /// `makeInstance` must return a new instance over the same, shared backend each time.
    public static func runSharedInstances(makeInstance: @escaping StoreFactory) async throws {
        let first = try SessionManager(store: try await makeInstance())
        let second = try SessionManager(store: try await makeInstance())
        defer {
            Task {
                await first.store.close()
                await second.store.close()
            }
        }
        let issued = try await first.create(userID: "shared")
        let writers = 4
        let keysPerWriter = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<writers {
                let manager = index.isMultiple(of: 2) ? first : second
                group.addTask {
                    for key in 0..<keysPerWriter {
                        _ = try await manager.update(issued.id, changes: SessionChanges(set: ["m\(index)-\(key)": 1]))
                    }
                }
            }
            try await group.waitForAll()
        }
        let check = "sharedInstances"
        let count = try await second.resume(issued.id)?.data.values.count ?? 0
        guard count == writers * keysPerWriter else {
            throw ConformanceFailure(check: check, message: "\(count) of \(writers * keysPerWriter) keys survived")
        }
        let rotated = try await second.rotate(issued.id)
        guard try await first.resume(issued.id) == nil, try await first.resume(rotated.id) != nil else {
            throw ConformanceFailure(check: check, message: "a rotation on one instance was not seen by the other")
        }
        guard try await first.sessions(ofUser: "shared").map(\.key) == [rotated.id.key] else {
            throw ConformanceFailure(check: check, message: "the other instance lists the wrong sessions")
        }
    }
}
