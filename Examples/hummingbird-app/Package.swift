// swift-tools-version:6.1
import PackageDescription

// A Hummingbird app with Cloakroom sessions: copy this folder to start your own. Outside this
// repository, replace the path dependency with
// .package(url: "https://github.com/cloakroom/cloakroom", from: "…").
let package = Package(
    name: "hummingbird-app",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "cloakroom", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "App",
            dependencies: [
                .product(name: "Cloakroom", package: "cloakroom"),
                .product(name: "CloakroomHummingbird", package: "cloakroom"),
                .product(name: "CloakroomSQLite", package: "cloakroom"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        )
    ]
)
