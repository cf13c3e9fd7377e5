import ArgumentParser
import Cloakroom
import CloakroomPostgres
import CloakroomServer
import Foundation
import Logging

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
        let statistics = try await options.withStore { try await $0.statistics(top: top) }
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
