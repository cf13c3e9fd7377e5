// swift-tools-version:6.1
import PackageDescription

// A package of its own so that library users and CI never compile the benchmark harness.
let package = Package(
    name: "CloakroomBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "cloakroom", path: "..", traits: [.defaults, "Vapor"]),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver", from: "4.9.0"),
    ],
    targets: [
        .executableTarget(
            name: "SessionBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomSQLite", package: "cloakroom"),
                .product(name: "CloakroomHummingbird", package: "cloakroom"),
                .product(name: "CloakroomServer", package: "cloakroom"),
                .product(name: "RESP", package: "cloakroom"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Benchmarks/SessionBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The load contract: /login, /me, /incr through the Cloakroom middleware (or
        // hummingbird-auth's, to compare), /hello and /json without it as ceilings.
        .target(
            name: "BenchContract",
            dependencies: [
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomHummingbird", package: "cloakroom"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
            ],
            path: "BenchContract"
        ),
        // The contract over TCP, loaded with wrk by scripts/bench.
        .executableTarget(
            name: "BenchApp",
            dependencies: [
                "BenchContract",
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomServer", package: "cloakroom"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "BenchApp"
        ),
        // The contract in process, and the manager's calls, for callgrind to count the
        // instructions of (scripts/bench-instructions).
        .executableTarget(
            name: "InstructionCounts",
            dependencies: [
                "BenchContract",
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomServer", package: "cloakroom"),
                .product(name: "CloakroomTokens", package: "cloakroom"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "InstructionCounts"
        ),
        // The same contract on Vapor: Cloakroom's driver and handle against Vapor's own .memory
        // and .fluent drivers and a bare route (scripts/bench-vapor).
        .executableTarget(
            name: "VaporBenchApp",
            dependencies: [
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomVapor", package: "cloakroom"),
                .product(name: "CloakroomServer", package: "cloakroom"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
            ],
            path: "VaporBenchApp"
        ),
        // Resume latency with 1 k, 100 k and 1 M live sessions, and memory per session
        // (scripts/bench-scale starts the servers and runs it on every store).
        .executableTarget(
            name: "ScaleSeries",
            dependencies: [
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomServer", package: "cloakroom"),
            ],
            path: "ScaleSeries"
        ),
        // Prune time and resume latency with 1,000,000 expired rows in PostgreSQL
        // (scripts/bench-postgres-prune starts the server and runs it).
        .executableTarget(
            name: "PostgresPrune",
            dependencies: [
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomPostgres", package: "cloakroom"),
            ],
            path: "PostgresPrune"
        ),
        // Redis store and RESP client throughput against redis-benchmark
        // (scripts/bench-redis starts the server and runs both).
        .executableTarget(
            name: "RedisThroughput",
            dependencies: [
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomRedis", package: "cloakroom"),
                .product(name: "RESP", package: "cloakroom"),
            ],
            path: "RedisThroughput"
        ),
    ]
)
