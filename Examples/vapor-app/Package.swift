// swift-tools-version:6.1
import PackageDescription

// A Vapor app with Cloakroom sessions: copy this folder to start your own. Outside this
// repository, replace the path dependency with
// .package(url: "https://github.com/cloakroom/cloakroom", from: "…", traits: ["Vapor"]).
let package = Package(
    name: "vapor-app",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "cloakroom", path: "../..", traits: ["Vapor"]),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
    ],
    targets: [
        .executableTarget(
            name: "App",
            dependencies: [
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomVapor", package: "cloakroom"),
                .product(name: "CloakroomSQLite", package: "cloakroom"),
                .product(name: "Vapor", package: "vapor"),
            ],
            // The sources are also built inside the cloakroom package, where Vapor is a trait
            // and the code sits inside `#if Vapor`; here it is always on.
            swiftSettings: [.define("Vapor")]
        )
    ]
)
