// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets, built by scripts/fuzz with -sanitize=fuzzer,address.
let package = Package(
    name: "cloakroom-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "cloakroom", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .executableTarget(
            name: "RESPDecoderFuzz",
            dependencies: [
                .product(name: "RESP", package: "cloakroom"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "TokenParserFuzz",
            dependencies: [
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomTokens", package: "cloakroom"),
            ]
        ),
        .executableTarget(
            name: "SessionIDFuzz",
            dependencies: [
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomHummingbird", package: "cloakroom"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .executableTarget(
            name: "SessionDataFuzz",
            dependencies: [.product(name: "Cloakroom", package: "cloakroom")]
        ),
    ]
)
