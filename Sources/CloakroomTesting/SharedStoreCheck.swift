import Cloakroom

extension StoreConformance {
    /// Checks that several instances of a store over one backend (as several processes or hosts
    /// would open it) lose no updates and see each other's rotations at once.
    ///
    /// `makeInstance` must return a new instance over the same, shared backend each time.
    public static func runSharedInstances(makeInstance: @escaping StoreFactory) async throws {
        let firstStore = try await makeInstance()
        let secondStore = try await makeInstance()
        try await firstStore.withRunning {
            try await secondStore.withRunning {
                try await checkSharedInstances(
                    first: try SessionManager(store: firstStore),
                    second: try SessionManager(store: secondStore)
                )
            }
        }
    }

    private static func checkSharedInstances(first: SessionManager, second: SessionManager) async throws {
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

        // Sign-ins for one user on both instances at once: the per-user limit holds across them.
        let policy = SessionPolicy(maximumSessionsPerUser: 3, overflowBehavior: .refuse)
        let limited = [
            try SessionManager(store: first.store, policy: policy),
            try SessionManager(store: second.store, policy: policy),
        ]
        let attempts = 16
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<attempts {
                let manager = limited[index % 2]
                group.addTask {
                    do {
                        _ = try await manager.create(userID: "capped")
                        return true
                    } catch let error as CloakroomError where error.code == .tooManySessions {
                        return false
                    }
                }
            }
            var accepted = 0
            for try await created in group where created { accepted += 1 }
            return accepted
        }
        let held = try await first.sessions(ofUser: "capped").count
        guard accepted == 3, held == 3 else {
            throw ConformanceFailure(
                check: check,
                message:
                    "two instances let \(accepted) of \(attempts) racing sign-ins in, \(held) held, under a limit of 3"
            )
        }
    }
}
