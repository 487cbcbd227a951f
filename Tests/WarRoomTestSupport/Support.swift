import Foundation
import WarRoomKit

/// A fresh temporary folder for one test; removed by `cleanUp()`.
public struct TemporaryFolder: Sendable {
    public let path: String

    public init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/warroom-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    public func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The repository's root folder (where Package.swift is), found from this source file.
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
    }
    return FileManager.default.currentDirectoryPath
}()

/// What running the `warroom` binary produced.
public struct ProcessResult: Sendable {
    public var stdout: String
    public var stderr: String
    public var status: Int32
}

/// Runs the built `warroom` binary, the way a user or a script does.
public enum WarRoomBinary {
    /// The `warroom` executable built next to the test bundle.
    public static var path: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("warroom").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        return "\(repositoryRoot)/.build/debug/warroom"
    }

    /// Runs `warroom ARGUMENTS` with `input` on stdin (a pipe, so the shell reads a script).
    /// - Parameters:
    ///   - arguments: command-line arguments.
    ///   - input: what to write to stdin.
    ///   - directory: the working directory.
    ///   - environment: extra environment variables (NO_COLOR and a private history file are always set).
    public static func run(_ arguments: [String], input: String = "", directory: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        try run(arguments, inputBytes: Array(input.utf8), directory: directory, environment: environment)
    }

    public static func run(_ arguments: [String], inputBytes: [UInt8], directory: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        try ChildProcess.run(path, arguments, environment: Self.environment(environment), directory: directory, input: inputBytes)
    }

    /// Starts `warroom ARGUMENTS` for a test that talks to it line by line.
    public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(path, arguments, environment: Self.environment(environment))
    }

    /// The test's environment with NO_COLOR, a test responder, a private history file unless
    /// one is given, and `extra` on top.
    public static func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env["WARROOM_HISTORY"] = env["WARROOM_HISTORY"] ?? "/dev/null"
        env["WARROOM_USER"] = "tester"
        for (key, value) in extra { env[key] = value }
        return env
    }
}

/// The transcripts a test's folder holds.
public func transcripts(in folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted().map { "\(folder)/\($0)" }
}

/// Checks `condition` every 50 ms until it holds or `seconds` have passed, for tests that wait
/// on another process (a server, a shell, a database).
/// - Returns: whether it held.
public func waitFor(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(50_000)
    }
    return try condition()
}
