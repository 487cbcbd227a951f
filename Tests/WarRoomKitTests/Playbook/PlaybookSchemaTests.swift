import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// The JSON Schema (for editors) and the linter (for `warroom playbooks lint`) must agree.
///
/// Fixtures/good: both accept. Fixtures/structural: both reject (what a schema can see).
/// Fixtures/semantic: the linter rejects what no schema can see (duplicates across the file,
/// branches to nothing, unreachable steps, roles), and the schema accepts. Each bad fixture's
/// first line says where the linter must point: `(lint: LINE:COLUMN)`.
@Suite struct PlaybookSchemaTests {
    static let fixtures = repositoryRoot + "/Tests/WarRoomKitTests/Playbook/Fixtures"
    static let schema = repositoryRoot + "/Playbooks/schema/playbook.schema.json"

    static func files(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "\(fixtures)/\(folder)").filter { $0.hasSuffix(".yaml") }.sorted()
            .map { "\(fixtures)/\(folder)/\($0)" }
    }

    static func bundledPlaybooks() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/Playbooks").filter { $0.hasSuffix(".yaml") }.sorted()
            .map { "\(repositoryRoot)/Playbooks/\($0)" }
    }

    /// Finds an executable on PATH.
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs check-jsonschema once over every file; returns the files it rejected.
    static func rejectedBySchema(_ files: [String]) throws -> Set<String>? {
        guard let tool = executable("check-jsonschema") else {
            Issue.record("check-jsonschema is not installed; install it with `pip install check-jsonschema` (PyPI) and run the tests again")
            return nil
        }
        let result = try ChildProcess.run(tool, ["--schemafile", schema, "-o", "json"] + files, environment: ProcessInfo.processInfo.environment)
        let data = Array(result.stdout.utf8)
        let report = try JSONValue.parse(data)
        var rejected = Set<String>()
        for key in ["errors", "parse_errors"] {
            for item in report[key]?.arrayValue ?? [] {
                if let file = item["filename"]?.stringValue { rejected.insert(file) }
            }
        }
        #expect(report["status"]?.stringValue == (rejected.isEmpty ? "ok" : "fail"))
        return rejected
    }

    /// `(lint: 20:31)` from a fixture's first line.
    static func expectedPosition(_ file: String) throws -> String {
        if file.hasSuffix("/empty.yaml") { return "1:1" }
        if file.hasSuffix("/binary.yaml") { return "2:1" }
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let header = String(text.prefix { $0 != "\n" })
        guard let start = header.range(of: "(lint: "), let end = header.range(of: ")", range: start.upperBound..<header.endIndex) else {
            Issue.record("\(file): the first line should end with (lint: LINE:COLUMN)")
            return ""
        }
        return String(header[start.upperBound..<end.lowerBound])
    }

    @Test func schemaAndLinterAgreeOnEveryFixture() throws {
        let good = try Self.files("good") + Self.bundledPlaybooks()
        let structural = try Self.files("structural")
        let semantic = try Self.files("semantic")
        #expect(good.count >= 8 && structural.count >= 30 && semantic.count >= 6)
        guard let rejected = try Self.rejectedBySchema(good + structural + semantic) else { return }

        for file in good {
            #expect(!rejected.contains(file), "the schema rejects \(file), a valid playbook")
            #expect(PlaybookLoader.lint(path: file).map(\.description) == [], "the linter rejects \(file), a valid playbook")
        }
        for file in structural {
            #expect(rejected.contains(file), "the schema accepts \(file), which the linter rejects")
            let diagnostics = PlaybookLoader.lint(path: file)
            #expect(!diagnostics.isEmpty, "the linter accepts \(file), which the schema rejects")
            #expect(diagnostics.first.map { "\($0.line):\($0.column)" } == (try Self.expectedPosition(file)), "\(file)")
        }
        for file in semantic {
            #expect(!rejected.contains(file), "the schema rejects \(file), whose only problem is semantic")
            let diagnostics = PlaybookLoader.lint(path: file)
            #expect(!diagnostics.isEmpty, "the linter accepts \(file)")
            #expect(diagnostics.first.map { "\($0.line):\($0.column)" } == (try Self.expectedPosition(file)), "\(file)")
        }
    }

    /// The schema's lists of probes, metrics, milestones and commands are the linter's.
    @Test func schemaUsesTheLintersVocabulary() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.schema))
        let schema = try JSONValue.parse(data)
        let defs = try #require(schema["$defs"])
        func strings(_ value: JSONValue?) -> [String] { value?.arrayValue?.compactMap(\.stringValue) ?? [] }

        #expect(strings(defs["milestone"]?["enum"]) == PlaybookVocabulary.milestones)
        #expect(strings(defs["check"]?["properties"]?["probe"]?["enum"]) == PlaybookVocabulary.probes)
        #expect(strings(schema["properties"]?["severity"]?["enum"]) == PlaybookVocabulary.severities)
        var metrics: [String: [String]] = [:]
        for rule in defs["check"]?["allOf"]?.arrayValue ?? [] {
            let probe = try #require(rule["if"]?["properties"]?["probe"]?["const"]?.stringValue)
            let metric = rule["then"]?["properties"]?["metric"]
            metrics[probe] = metric == .bool(false) ? [] : strings(metric?["enum"])
        }
        #expect(metrics == PlaybookVocabulary.metrics)

        let pattern = try #require(defs["command"]?["pattern"]?.stringValue)
        let alternatives = try #require(pattern.range(of: "|(help").map { pattern[$0.lowerBound...].dropFirst(2) })
        let commands = alternatives.prefix { $0 != ")" }.split(separator: "|").map { $0.replacingOccurrences(of: "\\", with: "") }
        #expect(commands + ["probe"] == PlaybookVocabulary.commands.filter { $0 != "probe" } + ["probe"])
        #expect(pattern.contains("probe\\s+(" + PlaybookVocabulary.probes.joined(separator: "|") + ")"))
    }
}
