// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "warroom",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "warroom", targets: ["WarRoomCLI"]),
        .library(name: "WarRoomKit", targets: ["WarRoomKit"]),
        .library(name: "WarRoomPostgres", targets: ["WarRoomPostgres"]),
        .library(name: "WarRoomPrometheus", targets: ["WarRoomPrometheus"]),
        .library(name: "WarRoomHTTP", targets: ["WarRoomHTTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(
            name: "CEditLine",
            linkerSettings: [.linkedLibrary("edit")]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(
            name: "WarRoomKit",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "WarRoomPostgres",
            dependencies: ["WarRoomKit", "CLibPQ"]
        ),
        .target(
            name: "WarRoomPrometheus",
            dependencies: ["WarRoomKit"]
        ),
        .target(
            name: "WarRoomHTTP",
            dependencies: [
                "WarRoomKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "WarRoomCLI",
            dependencies: [
                "WarRoomKit",
                "WarRoomPostgres",
                "WarRoomPrometheus",
                "WarRoomHTTP",
                "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "WarRoomTestSupport",
            dependencies: ["WarRoomKit", "WarRoomPostgres", "WarRoomPrometheus", "WarRoomHTTP"],
            path: "Tests/WarRoomTestSupport"
        ),
        .testTarget(
            name: "WarRoomKitTests",
            dependencies: ["WarRoomKit", "WarRoomTestSupport"],
            exclude: ["Playbook/Fixtures"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["WarRoomKit", "WarRoomPostgres", "WarRoomTestSupport"]
        ),
        .testTarget(
            name: "WarRoomPostgresTests",
            dependencies: ["WarRoomKit", "WarRoomPostgres", "WarRoomTestSupport"]
        ),
    ]
)
