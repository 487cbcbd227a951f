import Foundation
import Testing

/// Runs a command-line tool the CI installs (cmark, tidy, check-jsonschema) on a test's output.
/// A missing tool fails the test with the command that installs it, so it cannot pass by
/// silently checking nothing.
struct ExternalTool {
    let name: String
    let installHint: String

    static let cmark = ExternalTool(name: "cmark", installHint: "apt-get install cmark")
    static let tidy = ExternalTool(name: "tidy", installHint: "apt-get install tidy")
    static let checkJSONSchema = ExternalTool(name: "check-jsonschema", installHint: "pip install check-jsonschema")

    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    /// The tool's full path, found on `PATH`.
    var path: String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs the tool; records a failure naming the install command when it is missing.
    func run(_ arguments: [String], input: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Result? {
        guard let path else {
            Issue.record("\(name) is not installed; install it with '\(installHint)'", sourceLocation: sourceLocation)
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        // Errors go to a file and output to a pipe read to its end before waiting, so neither
        // can fill up and stall the tool.
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-tool-\(UUID().uuidString).err").path
        guard FileManager.default.createFile(atPath: errorPath, contents: nil) else {
            Issue.record("cannot create \(errorPath)", sourceLocation: sourceLocation)
            return nil
        }
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let errorFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = errorFile
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorFile.close()
        let errorData = FileManager.default.contents(atPath: errorPath) ?? Data()
        return Result(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                      errors: String(decoding: errorData, as: UTF8.self))
    }
}
