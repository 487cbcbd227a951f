import Testing
import WarRoomKit
import WarRoomTestSupport

/// A target with only the `show stat` core, like a real HAProxy without the extras.
final class CoreOnlyTarget: LoadBalancerTarget {
    var servers = [ServerStats(backend: "web", name: "web-1", status: "UP", weight: 100, stot: 1000, rate: 80, hrsp5xx: 10, eresp: 5, rtime: 20),
                   ServerStats(backend: "web", name: "web-2", status: "DOWN", weight: 100, stot: 500, rate: 20, chkfail: 3, lastchg: 60, checkStatus: "L4TOUT")]
    var label: String { "haproxy:test" }
    func snapshot(at now: Instant) throws -> TargetSnapshot { TargetSnapshot(at: now, backend: "web", servers: servers) }
    func setWeight(_ weight: Int, server: String, at now: Instant) throws {
        servers[servers.firstIndex { $0.name == server }!].weight = weight
    }
    func setState(_ state: ServerAdminState, server: String, at now: Instant) throws {}
}

@Suite struct LoadBalancerConsoleTests {
    static func seed() throws -> (Scenario, LoadBalancerConsole) {
        let scenario = try ScenarioLoader.load(path: repositoryRoot + "/Playbooks/scenarios/lb-misconfig-2023-11-05.yaml")
        return (scenario, try LoadBalancerConsole(target: SimulatedTarget(scenario: scenario), at: scenario.start, by: "scenario"))
    }

    @Test(arguments: ProbeKind.allCases)
    func probesReportExactlyTheSpecMetrics(kind: ProbeKind) throws {
        let (scenario, console) = try Self.seed()
        let result = try console.probe(kind: kind.rawValue, args: kind == .backend ? ["msg-01"] : [], at: scenario.start + 15 * 60_000)
        #expect(result.metrics.keys == kind.metricNames)
        #expect(result.data["probe"]?.stringValue == kind.rawValue)
        #expect(!result.text.unicodeScalars.contains { $0.value == 0x1B })
        #expect(!result.text.isEmpty)
    }

    @Test func errorsProbeHasASparklineOfThirtyMinutes() throws {
        let (scenario, console) = try Self.seed()
        let text = try console.probe(kind: "errors", at: scenario.start + 35 * 60_000).text
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("last 30 min") })
        let sparks = line.filter { "▁▂▃▄▅▆▇█".contains($0) }
        #expect(sparks.count == 30)
        #expect(sparks.hasPrefix("▁▁▁▁▁") && sparks.contains("█"))
    }

    @Test func mistakesSayWhatToType() throws {
        let (scenario, console) = try Self.seed()
        let t = scenario.start + 60_000
        #expect(throws: ConsoleError.unknownProbe("helth")) { try console.probe(kind: "helth", at: t) }
        #expect(ConsoleError.unknownProbe("helth").description.contains("did you mean 'health'?"))
        #expect(throws: TargetError.self) { try console.probe(kind: "backend", args: ["msg-1"], at: t) }
        do { _ = try console.probe(kind: "backend", args: ["msg-1"], at: t) } catch { #expect("\(error)".contains("did you mean")) }
        #expect(throws: ConsoleError.weightOutOfRange(backend: "msg-01", value: "300")) { try console.lb(arguments: ["weight", "msg-01", "300"], by: "a", at: t) }
        #expect(throws: ConsoleError.weightOutOfRange(backend: "msg-01", value: "-1")) { try console.lb(arguments: ["weight", "msg-01", "-1"], by: "a", at: t) }
        #expect(throws: ConsoleError.nothingToRollBack) { try console.lb(arguments: ["rollback"], by: "a", at: t) }
        #expect(throws: ConsoleError.unknownAlgorithm("leastconn")) { try console.lb(arguments: ["algorithm", "leastconn"], by: "a", at: t) }
        #expect(ConsoleError.unknownAlgorithm("round-robbin").description.contains("did you mean 'round-robin'?"))
        #expect(throws: ConsoleError.unknownSubcommand("wieght")) { try console.lb(arguments: ["wieght"], by: "a", at: t) }
        #expect(throws: ConsoleError.noSuchVersion("9", latest: 1)) { try console.lb(arguments: ["diff", "9"], by: "a", at: t) }
        #expect(console.versions.count == 1)
    }

    @Test func everyChangeIsAVersionWithAuthorTimeAndWhat() throws {
        let (scenario, console) = try Self.seed()
        let t = scenario.start + 20 * 60_000
        let weight = try console.lb(arguments: ["weight", "msg-29", "25"], by: "alice", at: t)
        #expect(weight.changed && weight.data["version"]?.intValue == 3 && weight.data["action"]?.stringValue == "weight")
        // The scenario's own change at 03:40 became version 2, by its author.
        let events = console.takeTargetChanges()
        #expect(events.map(\.by) == ["maintenance-automation"])
        #expect(events.first?.at == scenario.start + 10 * 60_000)
        _ = try console.lb(arguments: ["algorithm", "least-connections"], by: "bob", at: t + 60_000)
        let history = try console.lb(arguments: ["history"], by: "alice", at: t + 60_000)
        #expect(history.text.contains("v3       03:50:00Z  alice                   weight msg-29: 100 → 25"))
        #expect(history.text.contains("v4       03:51:00Z  bob"))
        let diff = try console.lb(arguments: ["diff", "2", "3"], by: "alice", at: t + 60_000)
        #expect(diff.text == "v2 → v3:\n  weight msg-29: 100 → 25")
        let rollback = try console.lb(arguments: ["rollback", "1"], by: "alice", at: t + 120_000)
        #expect(rollback.data["version"]?.intValue == 5)
        #expect(console.current.configuration == console.versions[0].configuration)
        #expect(try console.probe(kind: "config", at: t + 180_000).metrics["minutes_since_change"]?.doubleValue == 1)
    }

    @Test func rebuildFromRecordedChangesEqualsTheLiveRun() throws {
        let (scenario, live) = try Self.seed()
        let commands: [(Int64, [String])] = [(12, ["weight", "msg-29", "25"]), (13, ["drain", "msg-30"]), (15, ["algorithm", "power-of-two"]),
                                             (19, ["rollback"]), (22, ["ratelimit", "8000"]), (25, ["enable", "msg-30"])]
        var entries: [TranscriptEntry] = []
        for (minute, words) in commands {
            let at = scenario.start + minute * 60_000 + 1234
            let result = try live.lb(arguments: words, by: "alice", at: at)
            entries.append(TranscriptEntry(seq: entries.count + 1, at: at, wall: at, by: "alice", kind: .lb, text: result.text, data: result.data))
        }
        let end = scenario.start + 40 * 60_000
        let rebuilt = try LoadBalancerConsole.rebuild(target: SimulatedTarget(scenario: scenario), start: scenario.start,
                                                      commands: RecordedLBCommand.from(entries: entries), by: "scenario")
        #expect(rebuilt.versions == live.versions)
        for kind in ProbeKind.allCases {
            let args = kind == .backend ? ["msg-30"] : []
            #expect(try rebuilt.probe(kind: kind.rawValue, args: args, at: end) == live.probe(kind: kind.rawValue, args: args, at: end))
        }
        let a = (rebuilt.target as! SimulatedTarget).model
        let b = (live.target as! SimulatedTarget).model
        #expect(a.totals == b.totals && a.snapshot() == b.snapshot())
    }

    @Test func aCoreOnlyTargetAnswersWhatItCanAndSaysWhatItCannot() throws {
        let target = CoreOnlyTarget()
        let start = Instant.parseISO8601("2024-01-01T00:00:00Z")!
        let console = try LoadBalancerConsole(target: target, at: start)
        let health = try console.probe(kind: "health", at: start)
        #expect(health.metrics == ["backends_up": 1, "backends_down": 1])
        let distribution = try console.probe(kind: "distribution", at: start)
        #expect(distribution.metrics.keys == ["skew"])
        #expect(distribution.text.contains("does not report capacity"))
        let errors = try console.probe(kind: "errors", at: start)
        #expect(errors.text.contains("no history from haproxy:test"))
        #expect(throws: TargetError.unsupported(target: "haproxy:test", what: "traffic sources and a baseline")) {
            try console.probe(kind: "traffic", at: start)
        }
        #expect(TargetError.unsupported(target: "haproxy:test", what: "traffic sources and a baseline").description == "haproxy:test cannot provide traffic sources and a baseline")
        let change = try console.lb(arguments: ["weight", "web-1", "50"], by: "ops", at: start + 1000)
        #expect(change.data["changes"] == ["weight web-1: 100 → 50"])
        #expect(throws: TargetError.self) { try console.lb(arguments: ["algorithm", "round-robin"], by: "ops", at: start + 2000) }
    }

    @Test func textHelpers() {
        #expect(TextFormat.sparkline([0, 0.5, 1]) == "▁▅█")
        #expect(TextFormat.bar(0.5, width: 4) == "██")
        #expect(TextFormat.bar(0.3, width: 4) == "█▏")
        #expect(TextFormat.percent(0.0005) == "0.05%" && TextFormat.percent(0.059) == "5.9%")
        #expect(TextFormat.count(1234567) == "1,234,567")
        #expect(TextFormat.table(header: ["A", "NUM"], rows: [["x", "5"], ["long", "10"]], alignments: [.left, .right]) == "A     NUM\nx       5\nlong   10")
    }
}
