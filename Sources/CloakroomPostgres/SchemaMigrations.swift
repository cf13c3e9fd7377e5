import Logging
import PostgresNIO

/// Runs (or lists) a PostgreSQL store's pending schema migrations without opening a store.
public struct SchemaMigrations: Sendable {
    let configuration: PostgresStoreConfiguration
    let logger: Logger

    /// Prepares to migrate the database `configuration` names.
    public init(configuration: PostgresStoreConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Applies the pending migrations, or with `dryRun` only lists them.
    ///
    /// - Returns: the migrations applied, or with `dryRun` those that would be.
    public func run(dryRun: Bool) async throws -> [PostgresSchema.Migration] {
        let client = PostgresClient(
            configuration: try PostgresSessionStore.clientConfiguration(configuration),
            backgroundLogger: logger
        )
        let schema = configuration.schema
        let logger = logger
        let configuration = configuration
        // The pool runs only while the migrations do: a child task, cancelled when they end.
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await PostgresSessionStore.bounded(
                dryRun ? "listing pending migrations" : "migrating the schema",
                configuration: configuration
            ) {
                dryRun
                    ? try await PostgresSchema.pending(client: client, schema: schema, logger: logger)
                    : try await PostgresSchema.migrate(client: client, schema: schema, logger: logger)
            }
        }
    }
}
