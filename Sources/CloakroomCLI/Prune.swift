import ArgumentParser
import Cloakroom
import CloakroomPostgres
import CloakroomServer
import Foundation
import Logging

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
        let interactive = isatty(STDOUT_FILENO) != 0
        let total = try await options.withStore { administration in
            let expired = try await administration.statistics(top: 0).expiredAwaitingPrune
            return try await administration.prune(batchSize: batchSize, pause: pauseMs.map { .milliseconds($0) }) {
                total in
                guard interactive else { return }
                FileHandle.standardOutput.write(Data(("\r" + ProgressBar.render(done: total, of: expired)).utf8))
            }
        }
        if interactive { print("\r", terminator: "") }
        print("pruned \(total) expired session\(total == 1 ? "" : "s")")
    }
}
