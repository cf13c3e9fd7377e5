import Cloakroom
import CloakroomPostgres
import CloakroomTokens
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// The `cloakroomd` entry point: read the configuration, open the store, serve until SIGTERM or
/// SIGINT, then finish in-flight requests and close the store.
public enum CloakroomDaemon {
    /// Runs the daemon and returns the process exit code.
    public static func main(
        arguments: [String] = CommandLine.arguments,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(usage)
            return 0
        }
        let configuration: ServerConfiguration
        do {
            configuration = try await ServerConfiguration.load(arguments: arguments, environment: environment)
        } catch {
            printError("cloakroomd: invalid configuration: \(error.message)")
            return 2
        }
        // Whatever handler the process bootstrapped, behind one that renders metadata lazily.
        let handler = Logger(label: "cloakroomd").handler
        var logger = Logger(label: "cloakroomd") { _ in MergingLogHandler(wrapping: handler) }
        logger.logLevel = configuration.logLevel
        for name in ServerConfiguration.unknownEnvironmentNames(in: environment) {
            logger.warning("\(name) is not a setting and is ignored; `cloakroomd --help` lists them")
        }

        // Before the manager is made: it takes the tracer bootstrapped here.
        let traceExport: (any Service)?
        do {
            traceExport = try TraceExport.bootstrap(configuration, environment: environment, logger: logger)
        } catch {
            printError(
                "cloakroomd: cannot start: traces cannot be exported: \(error); check \(Setting.otelEndpoint.displayName) and the OTEL_* variables"
            )
            return 1
        }
        let parts: Parts
        do {
            parts = try await setUp(configuration, logger: logger)
        } catch let error as CloakroomError {
            printError("cloakroomd: cannot start: \(error.message)")
            return 1
        } catch {
            printError("cloakroomd: cannot start: \(error)")
            return 1
        }
        let app: any ApplicationProtocol
        do {
            app = try CloakroomApplication.build(
                configuration: configuration,
                manager: parts.manager,
                tokens: parts.tokens,
                limiter: parts.limiter,
                apiKeys: parts.apiKeys,
                metrics: parts.metrics,
                // The exporter ahead of the rest: it stops after them, sending the last spans.
                services: (traceExport.map { [$0] } ?? []) + parts.services,
                logger: logger,
                onServerRunning: { channel in
                    let address = channel.localAddress.map { "\($0.ipAddress ?? configuration.host):\($0.port ?? 0)" }
                    printOut("cloakroomd listening on \(address ?? "\(configuration.host):\(configuration.port)")")
                }
            )
        } catch {
            await parts.manager.store.close()
            printError("cloakroomd: cannot start: \(error)")
            return 1
        }
        do {
            try await app.runService()
        } catch {
            await parts.manager.store.close()
            printError(
                "cloakroomd: cannot serve on \(configuration.host):\(configuration.port): \(error); choose another address with \(Setting.listen.displayName)"
            )
            return 1
        }
        return 0
    }

    /// What `setUp` makes for the application.
    struct Parts {
        var manager: SessionManager
        var tokens: TokenService
        var limiter: RateLimiter
        var apiKeys: APIKeyRing
        var services: [any Service]
        /// Every counter, gauge and timer, served at `/metrics`.
        var metrics: PrometheusCollectorRegistry
    }

    static func setUp(_ configuration: ServerConfiguration, logger: Logger) async throws -> Parts {
        let registry = PrometheusCollectorRegistry()
        let metricsFactory = PrometheusMetricsFactory.cloakroom(registry: registry)
        // Before the API keys: a start that fails on its signing keys prints no new secret.
        let signingKeys = try loadSigningKeys(configuration)
        let (apiKeys, newSecret) =
            configuration.apiKeysFile == nil
            ? try APIKeyRing.loadOrCreate(path: configuration.resolvedAPIKeysFile)
            : (try APIKeyRing.load(path: configuration.resolvedAPIKeysFile), nil)
        if let newSecret {
            let keysFile = configuration.resolvedAPIKeysFile
            do {
                printOut(
                    try NewSecretNotice.announce(
                        secret: newSecret,
                        keysFile: keysFile,
                        toTerminal: NewSecretNotice.standardOutputIsTerminal
                    )
                )
            } catch {
                // Nobody can learn the key: take the keys file back so the next start makes a new one.
                try? FileManager.default.removeItem(atPath: keysFile)
                throw error
            }
        }
        var sinks: [any SessionEventSink] = [LogEventSink(logger: logger, level: .debug)]
        if let eventsFile = configuration.eventsFile {
            sinks.append(try JSONLinesEventSink(path: eventsFile))
        }
        let store = try await configuration.storeTopology.open(events: MultiplexEventSink(sinks), logger: logger)
        var services: [any Service] = []
        if configuration.heapTrimInterval > .zero {
            services.append(HeapTrimService(interval: configuration.heapTrimInterval, logger: logger))
        }
        if let postgres = store as? PostgresSessionStore, configuration.auditRetention > .zero {
            let audit = PostgresAuditSink(store: postgres, retention: configuration.auditRetention, logger: logger)
            sinks.append(audit)
            services.append(audit)
        }
        let cipher = try SessionCipher(keys: configuration.encryptionKeys)
        if !cipher.isEncrypting {
            logger.notice(
                "session data is stored in clear; set \(Setting.encryptionKeys.environmentName) to encrypt it at rest"
            )
        }
        logger.info(
            "starting",
            metadata: [
                "store": "\(configuration.storeTopology)",
                "idle_timeout": "\(configuration.policy.idleTimeout)",
                "absolute_timeout": "\(configuration.policy.absoluteTimeout)",
                "encryption_key": "\(cipher.currentKeyID ?? "none")",
            ]
        )
        let manager = try SessionManager(
            store: store,
            policy: configuration.policy,
            cipher: cipher,
            events: MultiplexEventSink(sinks),
            logger: logger,
            metricsFactory: metricsFactory
        )
        let tokens = await TokenService(
            manager: manager,
            keys: signingKeys,
            options: configuration.tokenOptions,
            metricsFactory: metricsFactory
        )
        let limitStore: any LimitStore
        if let shared = LimitStoreSelection.limitStore(sharedBy: store) {
            limitStore = shared
        } else {
            limitStore = MemoryLimitStore()
            logger.notice(
                "rate limits are kept in this process's memory, like the sessions: each instance limits on its own"
            )
        }
        let limiter = try RateLimiter(
            store: limitStore,
            buckets: configuration.limits,
            clock: manager.clock,
            events: MultiplexEventSink(sinks),
            metricsFactory: metricsFactory
        )
        if configuration.demoSignIn {
            logger.notice(
                "demo sign-in is on: anyone reaching this server can make demo:NAME sessions; set \(Setting.demoSignIn.environmentName)=false in production"
            )
        }
        return Parts(
            manager: manager,
            tokens: tokens,
            limiter: limiter,
            apiKeys: apiKeys,
            services: services,
            metrics: registry
        )
    }

    /// The signing keys from the configured file, or from the one created under the data folder.
    static func loadSigningKeys(_ configuration: ServerConfiguration) throws(CloakroomError) -> SigningKeySet {
        let path = configuration.resolvedJWTKeysFile
        let setting = Setting.jwtKeysFile.displayName
        guard configuration.jwtKeysFile == nil else {
            guard FileManager.default.fileExists(atPath: path) else {
                throw CloakroomError(
                    .invalidConfiguration,
                    "\(setting): '\(path)' does not exist; create it with `cloakroom jwt-keys add --file \(path)`, or leave the setting out to have one created under the data folder"
                )
            }
            return try SigningKeySet.load(path: path, setting: setting)
        }
        let (keys, created) = try SigningKeySet.loadOrCreate(
            path: path,
            algorithm: configuration.jwtAlgorithm,
            setting: setting
        )
        if created {
            printOut(
                "Created \(path) with a new \(keys.current.algorithm.rawValue) signing key '\(keys.current.id)' for access tokens."
            )
        }
        return keys
    }

    /// Writes a line to standard output at once (unbuffered, so it shows up even when piped).
    static func printOut(_ message: String) {
        FileHandle.standardOutput.write(Data((message + "\n").utf8))
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// The `--help` text with every setting.
    public static var usage: String {
        var lines = [
            "cloakroomd: server-side sessions over HTTP",
            "",
            "Usage: cloakroomd [--setting value ...]",
            "",
            "Every setting can be a flag, an environment variable or a key in the JSON file named by --config-file.",
            "Flags win over the environment, which wins over the file.",
            "",
        ]
        for setting in Setting.allCases {
            lines.append(
                "  \(setting.flag.padding(toLength: 26, withPad: " ", startingAt: 0))\(setting.environmentName)"
            )
            lines.append("      \(setting.summary) (default: \(setting.defaultDescription))")
        }
        return lines.joined(separator: "\n")
    }
}
