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
            Every command but migrate and jwt-keys takes --store URL (memory, file:DIR, sqlite:PATH, postgres://…, \
            redis://…, rediss://… or redis-cluster://…); without it, CLOAKROOM_STORE is used, then \
            the default sqlite:./cloakroom-data/sessions.sqlite.
            """,
        subcommands: [Stats.self, Prune.self, EndUser.self, Migrate.self, MigrateSchema.self, JWTKeys.self]
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

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy every live session from one store to another.",
        discussion: """
            Sessions keep their deadlines, versions and owners (so listing a user's sessions works \
            on the target). Copying is idempotent: a session the target already holds at the same \
            or a newer version is left alone, so running the command twice copies nothing twice. \
            After each batch the position is saved to the --state file; an interrupted run resumes \
            there. The run ends by checking that the target holds every live session of the source.

            To move a running service without downtime, see "Running Cloakroom in production" in \
            the documentation: run with the new store in front of the old one as durable, migrate, \
            then swap the two, then drop the old one.

            Examples:
              cloakroom migrate --from sqlite:./cloakroom-data/sessions.sqlite --to postgres://cloakroom@db/sessions
              cloakroom migrate --from postgres://cloakroom@db/sessions --to redis://cache:6379 --batch-size 5000
            """
    )

    @Option(help: "The store to copy from.") var from: String
    @Option(help: "The store to copy to.") var to: String
    @Option(help: "Sessions read per batch.") var batchSize = 1000
    @Option(help: "Sessions copied at once.") var concurrency = 16
    @Option(
        help:
            "Where the position is saved for resuming (default: cloakroom-migrate-<id>.json, the id naming this pair of stores)."
    )
    var state: String?
    @Flag(help: "Start from the beginning even if --state holds a position.") var restart = false
    @Flag(help: "Skip the final check of the target.") var noVerify = false

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1, got \(concurrency)") }
    }

    func run() async throws {
        let migrationName = MigrationCheckpoint.migrationName(source: from, target: to)
        let state = stateFile(migrationName)
        let checkpoint: MigrationCheckpoint?
        do {
            checkpoint = restart ? nil : try MigrationCheckpoint.load(path: state, migration: migrationName)
        } catch {
            throw ValidationError(error.message)
        }
        let sourceLocation = try parseStore(from, setting: "--from")
        let targetLocation = try parseStore(to, setting: "--to")
        let source = try await openStore(sourceLocation).store
        let target: any SessionStore
        do {
            target = try await openStore(targetLocation).store
        } catch {
            await source.close()
            throw error
        }
        do {
            try await migrate(from: source, to: target, checkpoint: checkpoint, name: migrationName, state: state)
        } catch {
            await source.close()
            await target.close()
            throw error
        }
        await source.close()
        await target.close()
    }

    func stateFile(_ migrationName: String) -> String {
        state ?? "cloakroom-migrate-\(migrationName.prefix(12)).json"
    }

    func migrate(
        from source: any SessionStore,
        to target: any SessionStore,
        checkpoint: MigrationCheckpoint?,
        name migrationName: String,
        state: String
    ) async throws {
        guard let exporter = source as? any SessionStoreExport else {
            throw ValidationError("--from: the \(source.name) store cannot list its sessions for a migration")
        }
        let migration = StoreMigration(from: exporter, to: target, batchSize: batchSize, concurrency: concurrency)
        let total = try await source.count(now: Date())
        let already = checkpoint?.processed ?? 0
        if let checkpoint {
            print("resuming after \(checkpoint.processed) sessions (\(state)); --restart starts over")
        }
        let interactive = isatty(STDOUT_FILENO) != 0
        let started = ContinuousClock.now
        var lastLine = 0
        let result = try await migration.run(resumingAfter: checkpoint?.cursor) { progress in
            let processed = already + progress.processed
            if let cursor = progress.cursor {
                try MigrationCheckpoint(migration: migrationName, cursor: cursor, processed: processed).save(
                    path: state
                )
            }
            let line = ProgressBar.render(
                done: processed,
                of: max(total, processed),
                resumedAt: already,
                elapsed: ContinuousClock.now - started
            )
            if interactive {
                FileHandle.standardOutput.write(Data(("\r" + line).utf8))
            } else if processed * 10 / max(total, 1) > lastLine || progress.cursor == nil {
                // Not a terminal: one line per tenth.
                lastLine = processed * 10 / max(total, 1)
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
        if interactive { print("") }
        try? FileManager.default.removeItem(atPath: state)
        let seconds = (ContinuousClock.now - started).components.seconds
        print(
            "copied \(result.copied), already current \(result.alreadyCurrent), ended meanwhile \(result.ended) in \(seconds)s"
        )
        guard !noVerify else { return }
        let verification = try await migration.verify()
        if verification.missing == 0 {
            print("verified: the target holds all \(verification.checked) live sessions of the source")
        } else {
            throw ValidationError(
                "verification failed: \(verification.missing) of \(verification.checked) sessions are missing or older in the target (handles \(verification.missingExamples.joined(separator: ", "))); run the migration again"
            )
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
