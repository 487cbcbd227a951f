// swift-tools-version:6.0
// libFuzzer targets over WarRoomKit's parsers, in their own package so the main build stays
// lean and only these targets are built with the fuzzer and address sanitizer. Run one with
//   scripts/fuzz TARGET [SECONDS]      (playbook, scenario, transcript, command-line, time)
// See docs/RELIABILITY.md, "Fuzzing".
import PackageDescription

let targets = ["FuzzPlaybook", "FuzzScenario", "FuzzTranscript", "FuzzCommandLine", "FuzzTime"]

let package = Package(
    name: "warroom-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "warroom", path: ".."),
    ],
    targets: targets.map { name in
        // The entry point is libFuzzer's `main`; each target only defines LLVMFuzzerTestOneInput.
        .executableTarget(name: name, dependencies: [.product(name: "WarRoomKit", package: "warroom")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
)
