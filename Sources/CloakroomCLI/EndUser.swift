import ArgumentParser
import Cloakroom
import CloakroomPostgres
import CloakroomServer
import Foundation
import Logging

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
        let ended = try await options.withStore { try await $0.endUser(user, exceptHandle: exceptHandle) }
        print("ended \(ended) session\(ended == 1 ? "" : "s") of \(user)")
    }
}
