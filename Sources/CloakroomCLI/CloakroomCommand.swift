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
        subcommands: [
            Stats.self, Prune.self, EndUser.self, Migrate.self, MigrateSchema.self, Reseal.self, JWTKeys.self,
        ]
    )
}

/// The tool reports failures itself; drivers' own retries stay out of its output.
let quietLogger: Logger = {
    var logger = Logger(label: "cloakroom")
    logger.logLevel = .error
    return logger
}()
