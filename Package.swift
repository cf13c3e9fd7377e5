// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Each web framework sits behind a package trait, so its users fetch only their framework: a
// dependency every use of which is guarded by a disabled trait is not resolved (SE-0450).
// `Server` (the default) brings the service and tool with Hummingbird; `Hummingbird` the
// integration alone; `Vapor` the Vapor integration. Stores and the core need no trait.
let hummingbird = TargetDependencyCondition.when(traits: ["Hummingbird"])
let server = TargetDependencyCondition.when(traits: ["Server"])
let vapor = TargetDependencyCondition.when(traits: ["Vapor"])

let package = Package(
    name: "cloakroom",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Cloakroom", targets: ["Cloakroom"]),
        .library(name: "CloakroomSQLite", targets: ["CloakroomSQLite"]),
        .library(name: "CloakroomPostgres", targets: ["CloakroomPostgres"]),
        .library(name: "RESP", targets: ["RESP"]),
        .library(name: "CloakroomRedis", targets: ["CloakroomRedis"]),
        .library(name: "CloakroomTokens", targets: ["CloakroomTokens"]),
        .library(name: "CloakroomWeb", targets: ["CloakroomWeb"]),
        .library(name: "CloakroomHummingbird", targets: ["CloakroomHummingbird"]),
        .library(name: "CloakroomVapor", targets: ["CloakroomVapor"]),
        .library(name: "CloakroomTesting", targets: ["CloakroomTesting"]),
        .library(name: "CloakroomServer", targets: ["CloakroomServer"]),
        .executable(name: "cloakroomd", targets: ["cloakroomd"]),
        .executable(name: "cloakroom", targets: ["CloakroomCLI"]),
    ],
    traits: [
        .default(enabledTraits: ["Server"]),
        .trait(name: "Hummingbird", description: "CloakroomHummingbird: sessions, CSRF and limits for Hummingbird 2."),
        .trait(
            name: "Server",
            description: "CloakroomServer, cloakroomd and the cloakroom tool (brings Hummingbird).",
            enabledTraits: ["Hummingbird"]
        ),
        .trait(
            name: "Vapor",
            description: "CloakroomVapor: a sessions driver, req.cloakroom and middlewares for Vapor 4."
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(
            url: "https://github.com/apple/swift-configuration",
            from: "1.4.0",
            traits: [.defaults, "CommandLineArguments"]
        ),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // OTLP over HTTP only: the gRPC exporter would bring grpc-swift for no gain here.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
        // Only for CloakroomVaporTests: `ModelSessionAuthenticatable` needs Fluent models.
        .package(url: "https://github.com/vapor/fluent", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver", from: "4.9.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        .target(
            name: "Cloakroom",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloakroomSQLite",
            dependencies: [
                "Cloakroom",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloakroomPostgres",
            dependencies: [
                "Cloakroom",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RESP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloakroomRedis",
            dependencies: [
                "Cloakroom",
                "RESP",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloakroomTokens",
            dependencies: [
                "Cloakroom",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // What every web framework integration shares, with no framework in it: cookie options
        // and parsing, CSRF rules, security-header values, rate-limit verdicts.
        .target(
            name: "CloakroomWeb",
            dependencies: [
                "Cloakroom",
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloakroomHummingbird",
            dependencies: [
                "Cloakroom",
                "CloakroomWeb",
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloakroomVapor",
            dependencies: [
                "Cloakroom",
                "CloakroomWeb",
                .product(name: "Vapor", package: "vapor", condition: vapor),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloakroomTesting",
            dependencies: ["Cloakroom"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloakroomServer",
            dependencies: [
                "Cloakroom",
                "CloakroomSQLite",
                "CloakroomPostgres",
                "CloakroomRedis",
                "CloakroomTokens",
                "CloakroomHummingbird",
                .product(name: "Hummingbird", package: "hummingbird", condition: server),
                .product(name: "Mustache", package: "swift-mustache", condition: server),
                .product(name: "Prometheus", package: "swift-prometheus", condition: server),
                .product(name: "OTel", package: "swift-otel", condition: server),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Configuration", package: "swift-configuration", condition: server),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system", condition: server),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Served from OpenAPIDocument.swift, which scripts/generate-openapi writes from it.
            exclude: ["OpenAPI/openapi.json"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cloakroomd",
            dependencies: ["CloakroomServer"],
            swiftSettings: swiftSettings
        ),
        // The `cloakroom` tool; its folder differs from `Cloakroom` by more than case, so the
        // package also builds on case-insensitive disks (macOS's default).
        .executableTarget(
            name: "CloakroomCLI",
            dependencies: [
                "CloakroomServer",
                "CloakroomPostgres",
                "CloakroomTokens",
                .product(name: "ArgumentParser", package: "swift-argument-parser", condition: server),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Examples/hummingbird-app, compiled with the package so CI builds it with the
        // dependencies already built instead of a second copy of them. The folder stays a
        // package of its own to copy (`swift run App` there).
        .executableTarget(
            name: "HummingbirdExampleApp",
            dependencies: [
                "Cloakroom",
                "CloakroomHummingbird",
                "CloakroomSQLite",
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
            ],
            path: "Examples/hummingbird-app/Sources/App",
            swiftSettings: swiftSettings
        ),
        // Examples/vapor-app likewise; its code is inside `#if Vapor` (the trait here, a define
        // in the example's own manifest).
        .executableTarget(
            name: "VaporExampleApp",
            dependencies: [
                "Cloakroom",
                "CloakroomVapor",
                "CloakroomSQLite",
                .product(name: "Vapor", package: "vapor", condition: vapor),
            ],
            path: "Examples/vapor-app/Sources/App",
            swiftSettings: swiftSettings
        ),
        // Test plumbing of this repository (the servers scripts/test starts); not a product.
        .target(
            name: "TestSupport",
            dependencies: ["Cloakroom", "CloakroomTesting", "CloakroomSQLite", "CloakroomPostgres", "CloakroomRedis"],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        // Test plumbing: an in-process `cloakroomd` router and an API client for tests; not a product.
        .target(
            name: "APITestSupport",
            dependencies: [
                "CloakroomServer",
                "CloakroomTesting",
                "CloakroomTokens",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/APITestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RESPTests",
            dependencies: [
                "TestSupport",
                "RESP", "CloakroomTesting", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CloakroomRedisTests",
            dependencies: ["TestSupport", "Cloakroom", "CloakroomRedis", "CloakroomTesting", "RESP"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CloakroomTests",
            dependencies: [
                "Cloakroom", "CloakroomTesting",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CloakroomTokensTests",
            dependencies: [
                "CloakroomTokens", "CloakroomTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CloakroomSQLiteTests",
            dependencies: ["CloakroomSQLite", "CloakroomTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CloakroomServerTests",
            dependencies: [
                "TestSupport",
                "APITestSupport",
                "CloakroomServer",
                "CloakroomTesting",
                "CloakroomTokens",
                "CloakroomPostgres",
                "CloakroomRedis",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CloakroomWebTests",
            dependencies: ["CloakroomWeb", "CloakroomTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CloakroomHummingbirdTests",
            dependencies: [
                "TestSupport",
                "CloakroomHummingbird",
                "CloakroomTesting",
                "CloakroomSQLite",
                "CloakroomPostgres",
                "CloakroomRedis",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CloakroomVaporTests",
            dependencies: [
                "TestSupport",
                "CloakroomVapor",
                "CloakroomTesting",
                "CloakroomSQLite",
                "CloakroomPostgres",
                "CloakroomRedis",
                .product(name: "VaporTesting", package: "vapor", condition: vapor),
                .product(name: "Fluent", package: "fluent", condition: vapor),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver", condition: vapor),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CloakroomIntegrationTests",
            dependencies: [
                "TestSupport",
                "APITestSupport",
                "CloakroomTesting",
                "CloakroomHummingbird",
                "CloakroomSQLite",
                "CloakroomPostgres",
                "CloakroomRedis",
                "CloakroomServer",
                "RESP",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CloakroomPostgresTests",
            dependencies: [
                "TestSupport",
                "CloakroomPostgres",
                "CloakroomTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
