import ArgumentParser
import Cloakroom
import CloakroomPostgres
import CloakroomServer
import Foundation
import Logging

@main
struct CloakroomCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cloakroom",
        abstract: "Operate on a Cloakroom session store.",
        discussion: """
            Every command takes --store URL (file:DIR, sqlite:PATH or postgres://…); without it, \
            CLOAKROOM_STORE is used, then the default sqlite:./cloakroom-data/sessions.sqlite.
            """,
        subcommands: [Stats.self, Prune.self, EndUser.self, MigrateSchema.self]
    )
}

/// The tool reports failures itself; drivers' own retries stay out of its output.
let quietLogger: Logger = {
    var logger = Logger(label: "cloakroom")
    logger.logLevel = .error
    return logger
}()

struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Store URL: file:DIR, sqlite:PATH or postgres://… (default: $CLOAKROOM_STORE or the cloakroomd default)."
    )
    var store: String?

    func location() throws -> StoreLocation {
        let url =
            store ?? ProcessInfo.processInfo.environment["CLOAKROOM_STORE"] ?? "sqlite:./cloakroom-data/sessions.sqlite"
        do {
            return try StoreLocation(parsing: url, setting: "--store")
        } catch {
            throw ValidationError(error.message)
        }
    }

    func open() async throws -> StoreAdministration {
        let location = try location()
        do {
            return try await StoreAdministration(location: location, logger: quietLogger)
        } catch let error as CloakroomError {
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
              cloakroom stats --store postgres://cloakroom@db/sessions --top 20
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "How many users with the most sessions to show.") var top = 10
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() async throws {
        let administration = try await options.open()
        let statistics = try await administration.statistics(top: top)
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
              cloakroom prune --store postgres://cloakroom@db/sessions
              cloakroom prune --store postgres://cloakroom@db/sessions --pause-ms 0   # as fast as it goes
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "Most records deleted per batch (default: the store's own, e.g. 20000 for PostgreSQL).")
    var batchSize: Int?
    @Option(
        help: """
            Milliseconds to rest between batches, leaving CPU to live traffic \
            (default: the store's own, e.g. 50 for PostgreSQL).
            """
    )
    var pauseMs: Int?

    func validate() throws {
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let pauseMs, pauseMs < 0 { throw ValidationError("--pause-ms must be 0 or more, got \(pauseMs)") }
    }

    func run() async throws {
        let administration = try await options.open()
        let interactive = isatty(STDOUT_FILENO) != 0
        let expired = try await administration.statistics(top: 0).expiredAwaitingPrune
        let total = try await administration.prune(batchSize: batchSize, pause: pauseMs.map { .milliseconds($0) }) {
            total in
            guard interactive else { return }
            FileHandle.standardOutput.write(Data(("\r" + ProgressBar.render(done: total, of: expired)).utf8))
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
        let administration = try await options.open()
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

struct MigrateSchema: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-schema",
        abstract: "Bring a PostgreSQL store's schema up to date.",
        discussion: """
            cloakroomd migrates on start, under an advisory lock, so this is for running \
            migrations ahead of a deploy or reviewing them. SQLite stores migrate when opened.

            Examples:
              cloakroom migrate-schema --store postgres://cloakroom@db/sessions --dry-run
              cloakroom migrate-schema --store 'postgres://cloakroom:secret@db:5432/sessions?sslmode=require'
            """
    )

    @OptionGroup var options: StoreOptions
    @Flag(help: "Print the statements that would run, and run nothing.") var dryRun = false

    func run() async throws {
        guard case .postgres(let configuration) = try options.location() else {
            print("nothing to do: only PostgreSQL stores have schema migrations to run ahead of time")
            return
        }
        let migrations = try await SchemaMigrations(configuration: configuration, logger: quietLogger)
            .run(dryRun: dryRun)
        if migrations.isEmpty {
            print("schema is up to date")
        }
        for migration in migrations {
            print("-- migration \(migration.version): \(migration.name)\(dryRun ? " (pending)" : " (applied)")")
            if dryRun { for statement in migration.statements { print(statement + ";") } }
        }
    }
}
