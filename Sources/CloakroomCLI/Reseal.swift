import ArgumentParser
import Cloakroom
import CloakroomServer
import Foundation

struct Reseal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-encrypt every session under the newest encryption key.",
        discussion: """
            Reads the keys from CLOAKROOM_ENCRYPTION_KEYS (id:base64key,…; the first is the newest) \
            and seals every live session that is stored in clear or under an older key with the \
            newest one. Safe while cloakroomd serves: a session written meanwhile is left to that \
            write. Progress is saved to --state after each batch; an interrupted run resumes there.

            Turning encryption on for a store that holds sessions: run this with \
            --accept-plaintext first (cloakroomd refuses records in clear once keys are set), then \
            restart cloakroomd with the keys. Retiring a key: put the new key first, restart \
            cloakroomd, run this, then remove the old key.

            Examples:
              CLOAKROOM_ENCRYPTION_KEYS=2026-12:… cloakroom reseal --accept-plaintext
              CLOAKROOM_ENCRYPTION_KEYS=2027-01:…,2026-12:… cloakroom reseal --store postgres://cloakroom@db/sessions
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "Sessions read per batch.") var batchSize = 1000
    @Option(help: "Where the position is saved for resuming (default: cloakroom-reseal-<id>.json).")
    var state: String?
    @Flag(help: "Start from the beginning even if --state holds a position.") var restart = false
    @Flag(help: "Also seal sessions stored in clear (when turning encryption on).") var acceptPlaintext = false

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let cipher: SessionCipher
        do {
            let keys = try ServerConfiguration.encryptionKeys(parsing: environment["CLOAKROOM_ENCRYPTION_KEYS"] ?? "")
            cipher = try SessionCipher(keys: keys, acceptsPlaintextRecords: acceptPlaintext)
        } catch {
            throw ValidationError(error.message)
        }
        let location = try options.location()
        let name = MigrationCheckpoint.migrationName(source: location.description, target: "reseal")
        let state = state ?? "cloakroom-reseal-\(name.prefix(12)).json"
        let checkpoint: MigrationCheckpoint?
        do {
            checkpoint = restart ? nil : try MigrationCheckpoint.load(path: state, migration: name)
        } catch {
            throw ValidationError(error.message)
        }
        let result = try await withOpenStore(location) { administration in
            let store = administration.store
            guard let exporter = store as? any SessionStoreExport else {
                throw ValidationError("--store: the \(store.name) store cannot list its sessions to re-seal them")
            }
            let resealing = try StoreResealing(store: exporter, cipher: cipher, batchSize: batchSize)
            if let checkpoint {
                print("resuming after \(checkpoint.processed) sessions (\(state)); --restart starts over")
            }
            let already = checkpoint?.processed ?? 0
            return try await resealing.run(resumingAfter: checkpoint?.cursor) { progress in
                if let cursor = progress.cursor {
                    try MigrationCheckpoint(migration: name, cursor: cursor, processed: already + progress.scanned)
                        .save(path: state)
                }
                print(
                    "\(already + progress.scanned) sessions looked at, \(progress.resealed) re-sealed, \(progress.alreadyCurrent) already current"
                )
            }
        }
        try? FileManager.default.removeItem(atPath: state)
        print(
            "re-sealed \(result.resealed) with key '\(cipher.currentKeyID ?? "")', already current \(result.alreadyCurrent), written meanwhile \(result.changedMeanwhile), unreadable \(result.unreadable)"
        )
        if result.unreadable > 0 {
            throw ValidationError(
                "\(result.unreadable) sessions could not be opened: stored in clear (pass --accept-plaintext) or sealed with a key missing from CLOAKROOM_ENCRYPTION_KEYS"
            )
        }
    }
}
