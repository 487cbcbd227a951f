import Foundation
import Testing
import WarRoomTestSupport

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
        let result = try ChildProcess.run(path, arguments, environment: ProcessInfo.processInfo.environment, input: Array((input ?? "").utf8))
        return Result(status: result.status, output: result.stdout, errors: result.stderr)
    }
}
