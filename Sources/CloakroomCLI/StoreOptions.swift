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

    func open() async throws -> StoreAdministration {
        try await openStore(location())
    }
}

func parseStore(_ url: String, setting: String) throws -> StoreLocation {
    do {
        return try StoreLocation(parsing: url, setting: setting)
    } catch {
        throw ValidationError(error.message)
    }
}

func openStore(_ location: StoreLocation) async throws -> StoreAdministration {
    do {
        return try await StoreAdministration(location: location, logger: quietLogger)
    } catch let error as CloakroomError {
        throw ValidationError(error.message)
    }
}
