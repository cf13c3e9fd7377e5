import ArgumentParser
import Cloakroom
import CloakroomServer
import Foundation

@main
struct CloakroomCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cloakroom",
        abstract: "Operate on a Cloakroom session store.",
        discussion: """
            Every command takes --store URL (memory, file:DIR or sqlite:PATH); without it, \
            CLOAKROOM_STORE is used, then the default sqlite:./cloakroom-data/sessions.sqlite.
            """,
        subcommands: [Stats.self, Prune.self, EndUser.self]
    )
}

struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Store URL: file:DIR or sqlite:PATH (default: $CLOAKROOM_STORE or the cloakroomd default)."
    )
    var store: String?

    func open() throws -> StoreAdministration {
        let url =
            store ?? ProcessInfo.processInfo.environment["CLOAKROOM_STORE"] ?? "sqlite:./cloakroom-data/sessions.sqlite"
        do {
            return try StoreAdministration(location: StoreLocation(parsing: url, setting: "--store"))
        } catch {
            throw ValidationError(error.message)
        }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show live sessions and expired records awaiting pruning.",
        discussion: """
            Examples:
              cloakroom stats
              cloakroom stats --store sqlite:/var/lib/cloakroom/sessions.sqlite --json
            """
    )

    @OptionGroup var options: StoreOptions
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() async throws {
        let administration = try options.open()
        let statistics = try await administration.statistics()
        await administration.store.close()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(statistics), as: UTF8.self))
        } else {
            print("live sessions:            \(statistics.liveSessions)")
            print(
                "expired awaiting prune:   \(statistics.expiredAwaitingPrune.map(String.init) ?? "n/a for this store")"
            )
        }
    }
}

struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete expired records now, in bounded batches.",
        discussion: """
            Stores never return expired sessions; pruning only reclaims space. cloakroomd prunes \
            in the background, so this is for maintenance windows and scripts.

            Examples:
              cloakroom prune
              cloakroom prune --store file:/var/lib/cloakroom/sessions --batch-size 500
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "Most records deleted per batch.") var batchSize = 1000

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        let administration = try options.open()
        let interactive = isatty(STDOUT_FILENO) != 0
        let total = try await administration.prune(batchSize: batchSize) { total in
            if interactive { print("\rpruned \(total)…", terminator: "") }
        }
        await administration.store.close()
        if interactive { print("\r", terminator: "") }
        print("pruned \(total) expired session\(total == 1 ? "" : "s")")
    }
}

struct EndUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "end-user",
        abstract: "End all sessions of a user (\"log out everywhere\").",
        discussion: """
            Examples:
              cloakroom end-user alice
              cloakroom end-user alice --except-handle 3f2a9c0d11b4e7a2
            """
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The user ID.") var user: String
    @Option(help: "Keep the session with this handle (16 hex characters).") var exceptHandle: String?

    func run() async throws {
        let administration = try options.open()
        do {
            let ended = try await administration.endUser(user, exceptHandle: exceptHandle)
            await administration.store.close()
            print("ended \(ended) session\(ended == 1 ? "" : "s") of \(user)")
        } catch let error as CloakroomError {
            await administration.store.close()
            throw ValidationError(error.message)
        }
    }
}
