import ArgumentParser
import Cloakroom
import CloakroomPostgres
import CloakroomServer
import Foundation
import Logging

struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Store URL: file:DIR, sqlite:PATH, postgres://… or redis://… (default: $CLOAKROOM_STORE or the cloakroomd default)."
    )
    var store: String?

    func location() throws -> StoreLocation {
        let url =
            store ?? ProcessInfo.processInfo.environment["CLOAKROOM_STORE"] ?? "sqlite:./cloakroom-data/sessions.sqlite"
        return try parseStore(url, setting: "--store")
    }

    /// Opens the store and runs it while `body` works with it, then closes it.
    func withStore<T: Sendable>(_ body: (StoreAdministration) async throws -> T) async throws -> T {
        try await withOpenStore(location(), body)
    }
}

func parseStore(_ url: String, setting: String) throws -> StoreLocation {
    do {
        return try StoreLocation(parsing: url, setting: setting)
    } catch {
        throw ValidationError(error.message)
    }
}

/// Opens the store at `location` and runs it (PostgreSQL connects and migrates in its `run()`)
/// while `body` works with it, then closes it; store errors become usage errors with their message.
func withOpenStore<T: Sendable>(
    _ location: StoreLocation,
    _ body: (StoreAdministration) async throws -> T
) async throws -> T {
    do {
        let administration = try StoreAdministration(location: location, logger: quietLogger)
        return try await administration.store.withRunning { try await body(administration) }
    } catch let error as CloakroomError {
        throw ValidationError(error.message)
    }
}
