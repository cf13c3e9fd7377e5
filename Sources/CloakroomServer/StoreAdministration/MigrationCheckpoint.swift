import Cloakroom
import Crypto
import Foundation

/// Where an interrupted `cloakroom migrate` resumes: the cursor after the last completed batch,
/// kept in a small JSON file that names the migration by hashes of its two store URLs (never the
/// URLs themselves, which may hold passwords).
public struct MigrationCheckpoint: Codable, Sendable, Hashable {
    /// SHA-256 of the source and target URLs.
    public var migration: String
    /// The export cursor to resume after.
    public var cursor: String
    /// Records processed before this checkpoint.
    public var processed: Int

    /// Creates a checkpoint.
    public init(migration: String, cursor: String, processed: Int) {
        self.migration = migration
        self.cursor = cursor
        self.processed = processed
    }

    /// The name of the migration from `source` to `target`.
    public static func migrationName(source: String, target: String) -> String {
        SHA256.hash(data: Data("\(source)\n\(target)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Reads the checkpoint at `path` for this migration; `nil` when there is none.
    ///
    /// - Throws: when the file exists but is unreadable or belongs to another migration.
    public static func load(path: String, migration: String) throws(CloakroomError) -> MigrationCheckpoint? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path),
            let checkpoint = try? JSONDecoder().decode(MigrationCheckpoint.self, from: data)
        else {
            throw CloakroomError(
                .invalidConfiguration,
                "--state: '\(path)' is not a migration checkpoint; remove it or pass another --state file"
            )
        }
        guard checkpoint.migration == migration else {
            throw CloakroomError(
                .invalidConfiguration,
                "--state: '\(path)' belongs to a migration between other stores; remove it, pass --restart, or pass another --state file"
            )
        }
        return checkpoint
    }

    /// Writes the checkpoint atomically and readable only by this user (it names the stores), so
    /// that a crash leaves the previous one whole.
    public func save(path: String) throws {
        do {
            try PrivateFile.write(try JSONEncoder().encode(self), to: path, placement: .replace)
        } catch let failure as PrivateFile.Failure {
            throw CloakroomError(.invalidConfiguration, "--state: cannot save '\(path)': \(failure)")
        }
    }
}
