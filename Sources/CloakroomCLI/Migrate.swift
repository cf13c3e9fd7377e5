import ArgumentParser
import Cloakroom
import CloakroomPostgres
import CloakroomServer
import Foundation
import Logging

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
        try await withOpenStore(sourceLocation) { source in
            try await withOpenStore(targetLocation) { target in
                try await migrate(
                    from: source.store,
                    to: target.store,
                    checkpoint: checkpoint,
                    name: migrationName,
                    state: state
                )
            }
        }
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
