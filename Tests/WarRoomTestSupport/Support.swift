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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env["WARROOM_HISTORY"] = env["WARROOM_HISTORY"] ?? "/dev/null"
        env["WARROOM_USER"] = "tester"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let writer = Thread {
            let handle = stdin.fileHandleForWriting
            try? handle.write(contentsOf: Data(inputBytes))
            try? handle.close()
        }
        writer.start()
        let errData = ReadBox()
        let errThread = Thread { errData.data = stderr.fileHandleForReading.readDataToEndOfFile() }
        errThread.start()
        let outData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.done { usleep(1000) }
        return ProcessResult(stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData.data, as: UTF8.self),
                             status: process.terminationStatus)
    }
}

/// Data read on another thread; `done` turns true once it is set.
final class ReadBox: @unchecked Sendable {
    // Written once by the reading thread, then read by the waiting thread after `done`; the
    // lock makes that hand-over safe.
    private let lock = NSLock()
    private var storage = Data()
    private var finished = false

    var data: Data {
        get { lock.withLock { storage } }
        set { lock.withLock { storage = newValue; finished = true } }
    }

    var done: Bool { lock.withLock { finished } }
}

/// The transcripts a test's folder holds.
public func transcripts(in folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted().map { "\(folder)/\($0)" }
}
