// swift-tools-version:6.0
// Benchmarks live in their own package so the main build stays lean. Run them in release:
//   swift run -c release --package-path Benchmarks <TargetName>
import PackageDescription

let package = Package(
    name: "warroom-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "warroom", path: ".."),
    ],
    targets: [
        .executableTarget(name: "TranscriptBench", dependencies: [.product(name: "WarRoomKit", package: "warroom")]),
        .executableTarget(name: "SimulationBench", dependencies: [.product(name: "WarRoomKit", package: "warroom")]),
        .executableTarget(name: "PlaybookBench", dependencies: [.product(name: "WarRoomKit", package: "warroom")]),
        .executableTarget(name: "PostmortemBench", dependencies: [.product(name: "WarRoomKit", package: "warroom")]),
        // Runs the warroom binary and other programs only: it builds in seconds.
        .executableTarget(name: "ReadBench"),
        .executableTarget(name: "StoreBench", dependencies: [
            .product(name: "WarRoomKit", package: "warroom"),
            .product(name: "WarRoomPostgres", package: "warroom"),
        ]),
        .executableTarget(name: "RoomBench", dependencies: [
            .product(name: "WarRoomKit", package: "warroom"),
            .product(name: "WarRoomPostgres", package: "warroom"),
        ]),
    ]
)
