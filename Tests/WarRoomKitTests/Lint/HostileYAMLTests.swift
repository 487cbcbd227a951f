import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// Playbooks and scenarios are read against a budget (`Bounds.yamlNodes` nodes, aliases
/// expanded, and `Bounds.yamlDepth` levels): a 54 KB playbook of nested aliases took 3 GB and
/// 20 s to lint before. A byte-order mark is accepted in every file warroom reads.
@Suite struct HostileYAMLTests {
    static let playbookBomb = HostileInput.playbookBomb
    static let scenarioBomb = HostileInput.scenarioBomb

    @Test func aPlaybookOfNestedAliasesIsRefusedAtTheAliasQuickly() {
        let started = ContinuousClock.now
        let diagnostics = PlaybookLoader.lint(bytes: Array(Self.playbookBomb.utf8), file: "bomb.yaml").map(\.description)
        #expect(ContinuousClock.now - started < .seconds(1))
        // 10 + 90 + 810 + … nodes: the level-6 aliases cross a million, on line 10.
        #expect(diagnostics == ["bomb.yaml:10:10: alias '*a5' expands the file past 1000000 YAML nodes (aliases repeat what their anchor holds); write the repeated part out, or repeat it less"])
    }

    @Test func aScenarioOfNestedAliasesIsRefusedAtTheAliasQuickly() {
        let started = ContinuousClock.now
        let diagnostics = ScenarioLoader.lint(bytes: Array(Self.scenarioBomb.utf8), file: "bomb.yaml").map(\.description)
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(diagnostics == ["bomb.yaml:15:12: alias '*a5' expands the file past 1000000 YAML nodes (aliases repeat what their anchor holds); write the repeated part out, or repeat it less"])
    }

    @Test func aFewAliasesAreStillYAML() throws {
        let text = """
            playbook: aliased
            title: Aliased
            version: 1
            roles: &roles [commander, scribe]
            phases:
              - name: only
                steps:
                  - { id: one, title: One, role: commander }
                  - { id: two, title: Two, run: &probes ["probe errors", "probe traffic"] }
                  - { id: three, title: Three, run: *probes }
            """
        let playbook = try PlaybookLoader.load(bytes: Array(text.utf8), file: "a.yaml")
        #expect(playbook.phases[0].steps[2].run == ["probe errors", "probe traffic"])
    }

    @Test func nestingDeeperThanTheBudgetIsRefused() {
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        let playbook = PlaybookLoader.lint(bytes: Array(("playbook: x\ntitle: x\nversion: 1\nphases: " + nested(300) + "\n").utf8), file: "p.yaml")
        #expect(playbook.map(\.description) == ["p.yaml:4:264: YAML nested deeper than 256 levels; no playbook or scenario is that deep"])
        let scenario = ScenarioLoader.lint(bytes: Array((HostileInput.scenario() + "\ndescription: " + nested(300) + "\n").utf8), file: "s.yaml")
        #expect(scenario.map(\.description) == ["s.yaml:8:269: YAML nested deeper than 256 levels; no playbook or scenario is that deep"])
        // Far deeper, libyaml stops first; either way, one message and no crash.
        #expect(PlaybookLoader.lint(bytes: Array(("phases: " + nested(100_000)).utf8), file: "p.yaml").count == 1)
        #expect(ScenarioLoader.lint(bytes: Array(("description: " + nested(100_000)).utf8), file: "s.yaml").count == 1)
    }

    @Test func aByteOrderMarkIsAcceptedInPlaybooksScenariosAndTranscripts() throws {
        let playbook = try #require(FileManager.default.contents(atPath: "\(repositoryRoot)/Tests/WarRoomKitTests/Playbook/Fixtures/good/minimal.yaml"))
        #expect(PlaybookLoader.lint(bytes: ByteOrderMark.bytes + [UInt8](playbook), file: "p.yaml").isEmpty)
        #expect(ScenarioLoader.lint(bytes: ByteOrderMark.bytes + Array(HostileInput.scenario().utf8), file: "s.yaml").isEmpty)

        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        #expect(session.handle("note before").error == nil)
        #expect(session.handle("quit").error == nil)
        let bytes = try TranscriptLog.readBytes(path: session.path)
        try Data(ByteOrderMark.bytes + bytes).write(to: URL(fileURLWithPath: session.path))
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: session.path)).isValid)
        let (resumed, _) = try Session.resume(path: session.path, responder: "tester", source: .fixed(SessionTests.t0))
        #expect(resumed.handle("note after").error == nil)
        #expect(resumed.handle("quit").error == nil)
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: session.path)).isValid)
        #expect(try TranscriptLog.read(path: session.path).entries.map(\.text).contains("after"))
        // Every reader walks the same lines: the postmortem reads the file verify accepts,
        // its first entry included.
        let postmortem = try Postmortem.compile(transcriptPath: session.path, strict: true)
        #expect(!postmortem.warnings.contains { $0.contains("line") }, "\(postmortem.warnings)")
        #expect(postmortem.incident.entryCount == (try TranscriptLog.read(path: session.path)).entries.count)
    }

    @Test func aPlaybookNamingAnUnknownScenarioIsReportedAtItsLine() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("p.yaml")
        let original = try String(contentsOfFile: "\(repositoryRoot)/Playbooks/lb-cascading-failure.yaml", encoding: .utf8)
        try original.replacingOccurrences(of: "scenario: lb-misconfig-2023-11-05", with: "scenario: lb-misconfig-2099")
            .write(toFile: path, atomically: true, encoding: .utf8)
        var options = StartOptions(responder: "alice", transcriptsFolder: folder.path)
        options.playbook = path
        options.playbookFolders = ["\(repositoryRoot)/Playbooks"]
        #expect {
            try Session.start(options, source: .fixed(SessionTests.t0))
        } throws: { error in
            guard let error = error as? InputFileError, let first = error.diagnostics.first else { return false }
            return error.diagnostics.count == 1 && first.file == path && first.line == 12 && first.column == 11
                && first.message.hasPrefix("the playbook's scenario: no scenario 'lb-misconfig-2099'")
        }
    }
}
