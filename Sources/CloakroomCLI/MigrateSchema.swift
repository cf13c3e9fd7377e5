import ArgumentParser
import Cloakroom
import CloakroomPostgres
import CloakroomServer
import Foundation
import Logging

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
