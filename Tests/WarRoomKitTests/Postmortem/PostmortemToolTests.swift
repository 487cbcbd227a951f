import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// The three formats checked by the tools a reader would use: cmark, tidy and check-jsonschema.
/// Each test fails with an install hint when its tool is missing.
@Suite struct PostmortemToolTests {
    enum Fixture: String, CaseIterable, Sendable {
        case originalIncident = "original incident"
        case emptyIncident = "empty incident"
        case hostileStrings = "hostile strings"
        case workedExample = "worked example, simulation re-run"

        func model() throws -> PostmortemModel {
            switch self {
            case .originalIncident: return try TranscriptFixture.originalIncident().model()
            case .emptyIncident: return try TranscriptFixture().model()
            case .hostileStrings: return try PostmortemEscapingTests.incident()
            case .workedExample:
                return try Postmortem.compile(transcriptPath: PostmortemSimulationTests.example, scenarioFolders: [PostmortemSimulationTests.playbooks])
            }
        }
    }

    static func write(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else { throw WriteError(path: path) }
    }

    @Test(arguments: Fixture.allCases)
    func cmarkFindsTheHeadingsInOrder(_ fixture: Fixture) throws {
        let markdown = PostmortemRenderer.render(try fixture.model(), format: .markdown)
        guard let result = try ExternalTool.cmark.run(["--to", "xml"], input: markdown) else { return }
        #expect(result.status == 0, "\(result.errors)")
        // cmark's XML puts each heading's level on its element and its text on the next line.
        let lines = result.output.split(separator: "\n").map { String($0.drop(while: { $0 == " " })) }
        var headings: [String] = []
        for (number, line) in lines.enumerated() where line.hasPrefix("<heading level=\"2\">") {
            headings.append(String(lines[number + 1]).replacing("<text xml:space=\"preserve\">", with: "").replacing("</text>", with: ""))
        }
        #expect(headings == PostmortemRendererTests.sections, "\(fixture.rawValue)")
        #expect(lines.filter { $0.hasPrefix("<heading level=\"1\">") }.count == 1)
    }

    @Test(arguments: Fixture.allCases)
    func tidyFindsNoErrorsOrWarnings(_ fixture: Fixture) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("postmortem.html")
        try Self.write(PostmortemRenderer.render(try fixture.model(), format: .html), to: path)
        guard let result = try ExternalTool.tidy.run(["-errors", "-quiet", path]) else { return }
        #expect(result.status == 0, "\(fixture.rawValue): \(result.errors)")
        #expect(result.errors.isEmpty)
    }

    @Test(arguments: Fixture.allCases)
    func jsonValidatesAgainstThePublishedSchema(_ fixture: Fixture) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("postmortem.json")
        try Self.write(PostmortemRenderer.render(try fixture.model(), format: .json), to: path)
        let schema = repositoryRoot + "/Playbooks/schema/postmortem.schema.json"
        guard let result = try ExternalTool.checkJSONSchema.run(["--schemafile", schema, path]) else { return }
        #expect(result.status == 0, "\(fixture.rawValue): \(result.output) \(result.errors)")
    }

    @Test func schemaRejectsAPostmortemThatBreaksTheContract() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("broken.json")
        guard case .object(var object) = try TranscriptFixture.originalIncident().model().jsonValue else {
            Issue.record("not an object")
            return
        }
        var metrics = try #require(object["metrics"]?.objectValue)
        metrics["time_to_detect_s"] = "5 minutes"
        object["metrics"] = .object(metrics)
        object["warnings"] = nil
        try Self.write(JSONValue.object(object).prettyPrinted(), to: path)
        let schema = repositoryRoot + "/Playbooks/schema/postmortem.schema.json"
        guard let result = try ExternalTool.checkJSONSchema.run(["--schemafile", schema, path]) else { return }
        #expect(result.status == 1)
        #expect(result.output.contains("time_to_detect_s"))
        #expect(result.output.contains("warnings"))
    }
}

struct WriteError: Error {
    var path: String
}
