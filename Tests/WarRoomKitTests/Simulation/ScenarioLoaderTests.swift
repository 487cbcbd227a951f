import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

@Suite struct ScenarioLoaderTests {
    static let folder = repositoryRoot + "/Playbooks/scenarios"
    static let bundled = ScenarioCatalog(folder: folder).files()

    static let valid = """
        scenario: tiny
        title: Tiny pool
        start: 2024-01-01T00:00:00Z
        traffic: { rate: 100 }
        loadbalancer: { algorithm: round-robin }
        backends:
          - { name: a, capacity: 100, latency: 10ms }
          - { name: b, capacity: 100, latency: 10ms }
        """

    func lint(_ text: String) -> [String] {
        ScenarioLoader.lint(bytes: Array(text.utf8), file: "s.yaml").map(\.description)
    }

    @Test(arguments: bundled)
    func bundledScenariosLintClean(path: String) throws {
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(ScenarioLoader.lint(bytes: [UInt8](bytes), file: path).isEmpty)
    }

    @Test func atLeastFiveBundledScenarios() {
        let ids = ScenarioCatalog(folder: Self.folder).all().map(\.id)
        for id in ["lb-misconfig-2023-11-05", "ddos-2024-02-14", "db-degradation", "drain-left-after-maintenance", "retry-storm"] {
            #expect(ids.contains(id))
        }
    }

    @Test func validScenarioLoads() throws {
        let (scenario, diagnostics) = ScenarioLoader.parse(bytes: Array(Self.valid.utf8), file: "s.yaml")
        #expect(diagnostics.isEmpty)
        let loaded = try #require(scenario)
        #expect(loaded.backends.map(\.name) == ["a", "b"])
        #expect(loaded.loadBalancer.timeout == 3000)
        #expect(loaded.sha256 == HashChain.sha256(Array(Self.valid.utf8)))
    }

    @Test func unknownFieldWithSuggestion() {
        let text = Self.valid.replacingOccurrences(of: "traffic: { rate: 100 }", with: "trafic: { rate: 100 }")
        let found = lint(text)
        #expect(found.contains("s.yaml:4:1: unknown field 'trafic' in the scenario (did you mean 'traffic'?)"))
        #expect(found.contains("s.yaml:1:1: missing required field 'traffic' in the scenario"))
    }

    @Test func badDurationAndUnknownAlgorithm() {
        let text = Self.valid
            .replacingOccurrences(of: "{ algorithm: round-robin }", with: "{ algorithm: round-robbin, timeout: 3x }")
            .replacingOccurrences(of: "latency: 10ms }\n  - { name: b", with: "latency: fast }\n  - { name: b")
        let found = lint(text)
        #expect(found.contains("s.yaml:5:28: unknown algorithm 'round-robbin' (did you mean 'round-robin'?); use one of round-robin, weighted-round-robin, least-connections, power-of-two, consistent-hash"))
        #expect(found.contains("s.yaml:5:51: 'timeout' is not a duration: '3x' (use a number and a unit: 500ms, 90s, 5m, 2h)"))
        #expect(found.contains("s.yaml:7:40: 'latency' is not a duration: 'fast' (use a number and a unit: 500ms, 90s, 5m, 2h)"))
    }

    @Test func duplicateBackendCapacityAndWeight() {
        let text = Self.valid.replacingOccurrences(of: "- { name: b, capacity: 100, latency: 10ms }", with: "- { name: a, capacity: -5, latency: 10ms, weight: 300 }")
        let found = lint(text)
        #expect(found.contains("s.yaml:8:13: duplicate backend name 'a' (first defined on line 7); names must be unique"))
        #expect(found.contains("s.yaml:8:26: 'capacity' of 'a' must be 0.001…10000000 req/s, not -5"))
        #expect(found.contains("s.yaml:8:53: 'weight' must be 0…256 (HAProxy's weight range), not 300"))
    }

    @Test func eventNamingUnknownBackend() {
        let text = Self.valid + "\nevents:\n  - at: +10m\n    set: { weights: { bb: 10 } }\n"
        #expect(lint(text) == ["s.yaml:11:23: no backend named 'bb' (did you mean 'b'?); backends are defined under 'backends'"])
    }

    @Test func eventThatChangesNothingAndBadTime() {
        let text = Self.valid + "\nevents:\n  - at: soon\n    note: nothing\n"
        let found = lint(text)
        #expect(found.contains("s.yaml:10:9: 'at' must be a time after the start, '+DURATION' (+10m, +1h30m) or an ISO-8601 time, not 'soon'"))
        #expect(found.contains("s.yaml:10:5: the event changes nothing; give it 'set', 'traffic' or 'dependencies'"))
    }

    @Test func poolThatCannotServeItsTrafficIsAWarning() throws {
        let text = Self.valid.replacingOccurrences(of: "rate: 100 }", with: "rate: 500 }")
        let (scenario, diagnostics) = ScenarioLoader.parse(bytes: Array(text.utf8), file: "s.yaml")
        #expect(diagnostics.map(\.description) == ["s.yaml:4:10: warning: the pool cannot serve its starting traffic: 500 req/s against 200 req/s of capacity in rotation; the drill starts overloaded"])
        #expect(try #require(scenario).warnings.count == 1)
    }

    @Test func syntaxErrorHasAPosition() {
        let found = lint("scenario: x\ntitle: [unclosed\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("s.yaml:3:1: YAML syntax") == true)
    }

    @Test func catalogueFindsByIdAndPathAndSuggests() throws {
        let catalog = ScenarioCatalog(folder: Self.folder)
        #expect(try catalog.find(idOrPath: "retry-storm").id == "retry-storm")
        #expect(try catalog.find(idOrPath: Self.folder + "/db-degradation.yaml").id == "db-degradation")
        #expect(throws: ScenarioFileError.self) { try catalog.find(idOrPath: "retry-strom") }
        do {
            _ = try catalog.find(idOrPath: "retry-strom")
        } catch {
            #expect("\(error)".contains("did you mean 'retry-storm'?"))
        }
    }

    @Test func loadReportsEveryError() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("bad.yaml")
        try Array("scenario: Bad Id\n".utf8).withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
        #expect(throws: InputFileError.self) { try ScenarioLoader.load(path: path) }
        #expect(throws: ScenarioFileError.self) { try ScenarioLoader.load(path: folder.file("missing.yaml")) }
    }
}
