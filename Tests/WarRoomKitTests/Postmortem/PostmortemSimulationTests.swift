import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// The chart's re-run of a drill's simulation: it must be the simulation the responders
/// probed, and it must refuse to draw a different one.
@Suite struct PostmortemSimulationTests {
    static let playbooks = "\(repositoryRoot)/Playbooks"
    static let example = "\(repositoryRoot)/Transcripts/examples/lb-misconfig-2023-11-05.jsonl"

    @Test func theRerunAgreesWithEveryProbeReadingTakenAtASampleInstant() throws {
        let model = try Postmortem.compile(transcriptPath: Self.example, scenarioFolders: [Self.playbooks])
        let simulation = try #require(model.evidence.chart.simulation, "\(model.evidence.chart.simulationNote ?? "no note")")
        #expect(simulation.scenario == "lb-misconfig-2023-11-05")
        #expect(simulation.everySeconds == 60)
        let log = try TranscriptLog.read(path: Self.example)
        let start = log.entries[0].at
        let end = log.entries.last!.at
        #expect(simulation.errorRate.first?.at == start)
        #expect(simulation.errorRate.last?.at == end)
        #expect(simulation.errorRate.count == Int((end - start + 59_999) / 60_000) + 1)

        let sampled = Dictionary(uniqueKeysWithValues: simulation.errorRate.map { ($0.at, $0.value) })
        let traffic = Dictionary(uniqueKeysWithValues: simulation.requestRate.map { ($0.at, $0.value) })
        var compared = 0
        for entry in log.entries where entry.kind == .probe {
            let metrics = entry.data["metrics"]
            if entry.data["probe"] == "errors", let value = sampled[entry.at], let read = metrics?["error_rate"]?.doubleValue {
                #expect(abs(value - read) < 1e-9, "error rate at \(entry.at.iso8601): simulated \(value), probed \(read)")
                compared += 1
            }
            if entry.data["probe"] == "traffic", let value = traffic[entry.at], let read = metrics?["request_rate"]?.doubleValue {
                #expect(abs(value - read) < 1e-6, "traffic at \(entry.at.iso8601): simulated \(value), probed \(read)")
                compared += 1
            }
        }
        #expect(compared >= 10, "only \(compared) probe readings fell on a sample instant")
        // The cascade shows between the probes: the curve peaks above 10% before the rollback.
        let mitigated = try #require(model.metrics.milestones.first { $0.name == "mitigated" }?.time)
        #expect(simulation.errorRate.filter { $0.at < mitigated }.map(\.value).max() ?? 0 > 0.10)
        #expect(simulation.errorRate.filter { $0.at > mitigated + 10 * 60_000 }.allSatisfy { $0.value < 0.01 })
    }

    @Test func aChangedOrMissingScenarioIsNotRerunAndTheChartSaysWhy() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let scenario = folder.file("drill.yaml")
        try FileManager.default.copyItem(atPath: "\(Self.playbooks)/scenarios/retry-storm.yaml", toPath: scenario)
        var options = StartOptions(responder: "alice", transcriptsFolder: folder.path)
        options.scenario = scenario
        options.freeForm = true
        options.speed = 0
        let session = try Session.start(options, source: .fixed(SessionTests.t0)).0
        for line in ["advance 20m", "probe errors", "advance 10m", "quit"] { #expect(session.handle(line).error == nil) }
        let path = session.path

        let unchanged = try Postmortem.compile(transcriptPath: path, scenarioFolders: [])
        #expect(unchanged.evidence.chart.simulation?.errorRate.count == 31)
        #expect(unchanged.evidence.chart.simulationNote == nil)

        try (String(contentsOfFile: scenario, encoding: .utf8) + "\n# edited after the drill\n").write(toFile: scenario, atomically: true, encoding: .utf8)
        let changed = try Postmortem.compile(transcriptPath: path, scenarioFolders: [])
        #expect(changed.evidence.chart.simulation == nil)
        #expect(changed.evidence.chart.simulationNote?.hasPrefix("the scenario 'retry-storm' changed since the drill (SHA-256 ") == true)
        let html = PostmortemRenderer.render(changed, format: .html)
        #expect(html.contains("The drill&#39;s simulation was not re-run: the scenario") || html.contains("The drill's simulation was not re-run: the scenario"))

        try FileManager.default.removeItem(atPath: scenario)
        let missing = try Postmortem.compile(transcriptPath: path, scenarioFolders: [folder.path])
        #expect(missing.evidence.chart.simulation == nil)
        #expect(missing.evidence.chart.simulationNote?.hasPrefix("the scenario 'retry-storm' cannot be loaded") == true)
        // The probe readings still make the chart.
        #expect(missing.evidence.chart.errorRate.count == 1)
    }

    @Test func aTranscriptSpanningMoreThanAMonthIsNotRerun() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try DrillSpanTests.forgedDrill(in: folder, daysLater: 40)
        let model = try Postmortem.compile(transcriptPath: path, scenarioFolders: [Self.playbooks])
        #expect(model.evidence.chart.simulation == nil)
        #expect(model.evidence.chart.simulationNote?.contains("longer than the 31 days a drill simulates") == true, "\(model.evidence.chart.simulationNote ?? "")")
    }

    @Test func anOpenEntryDatedAfterTheOthersCompilesAtOnce() throws {
        // An edited `open` dated decades after the rest: the simulation would have to step from
        // the scenario's start to it, second by second. It is refused by the same bound as
        // `resume`, and the dates running backwards are named at the top.
        var entries = try TranscriptLog.read(path: Self.example).entries
        entries[0].at = Instant.parseISO8601("2060-01-01T00:00:00Z")!
        var bytes: [UInt8] = []
        var previous = HashChain.genesis
        for var entry in entries {
            entry.hash = HashChain.hash(previous: previous, content: entry.contentBytes())
            previous = entry.hash
            bytes += entry.lineBytes() + [0x0A]
        }
        let clock = ContinuousClock()
        let started = clock.now
        let model = try Postmortem.compile(bytes: bytes, path: "late-open.jsonl", scenarioFolders: [Self.playbooks])
        #expect(clock.now - started < .seconds(10))
        #expect(model.evidence.chart.simulation == nil)
        #expect(model.evidence.chart.simulationNote?.contains("longer than the 31 days a drill simulates") == true, "\(model.evidence.chart.simulationNote ?? "")")
        #expect(model.summary.usersAffectedSource == .impactStatement)
        #expect(model.summary.usersAffectedNote?.hasPrefix("the drill's simulation was not re-run: the drill spans") == true)
        #expect(model.warnings.contains { $0.hasPrefix("Entries run backwards in time: seq 2 is dated 2023-11-05T03:30:00Z, before the entry above it (2060-01-01T00:00:00Z)") })
        #expect(PostmortemCheck.check(model).contains(.entriesBackwards(count: 1, firstSeq: 2)))
        for format in PostmortemFormat.allCases { #expect(!PostmortemRenderer.render(model, format: format).isEmpty) }
    }

    @Test func onlyDrillsAndOnlyWhenAskedAreRerun() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        _ = session.handle("note paged")
        let freeForm = try Postmortem.compile(transcriptPath: session.path, scenarioFolders: [Self.playbooks])
        #expect(freeForm.evidence.chart.simulation == nil)
        #expect(freeForm.evidence.chart.simulationNote == nil)
        let notAsked = try Postmortem.compile(transcriptPath: Self.example)
        #expect(notAsked.evidence.chart.simulation == nil)
        #expect(notAsked.evidence.chart.simulationNote == nil)
    }

    @Test func theChartDrawsTheSimulatedCurveWithTheReadingsAsDots() throws {
        let model = try Postmortem.compile(transcriptPath: Self.example, scenarioFolders: [Self.playbooks])
        let svg = try #require(PostmortemChart(chart: model.evidence.chart).svg())
        let readings = model.evidence.chart.errorRate.count + model.evidence.chart.requestRate.count
        #expect(svg.components(separatedBy: "<circle class=\"reading ").count - 1 == readings)
        let line = try #require(svg.range(of: #"<polyline class="error" points=""#))
        let points = svg[line.upperBound...].prefix { $0 != "\"" }.split(separator: " ")
        #expect(points.count == model.evidence.chart.simulation?.errorRate.count)
        #expect(svg.contains("probe readings"))
        let plain = try #require(PostmortemChart(chart: try Postmortem.compile(transcriptPath: Self.example).evidence.chart).svg())
        #expect(!plain.contains("<circle"))
    }
}
