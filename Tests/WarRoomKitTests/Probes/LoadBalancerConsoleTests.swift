import Testing
import WarRoomKit
import WarRoomTestSupport

/// A target with only the `show stat` core, like a real HAProxy without the extras.
final class CoreOnlyTarget: LoadBalancerTarget {
    var servers = [ServerStats(backend: "web", name: "web-1", status: "UP", weight: 100, stot: 1000, rate: 80, hrsp5xx: 10, eresp: 5, rtime: 20),
                   ServerStats(backend: "web", name: "web-2", status: "DOWN", weight: 100, stot: 500, rate: 20, chkfail: 3, lastchg: 60, checkStatus: "L4TOUT")]
    /// Changes allowed before every further one is refused (`nil`: all are allowed).
    var refuseAfter: Int?
    var label: String { "haproxy:test" }
    func snapshot(at now: Instant) throws -> TargetSnapshot { TargetSnapshot(at: now, backend: "web", servers: servers) }
    func setWeight(_ weight: Int, server: String, at now: Instant) throws {
        if let left = refuseAfter {
            guard left > 0 else { throw TargetError.refused(target: label, command: "weight \(server) \(weight)", reason: "no more changes") }
            refuseAfter = left - 1
        }
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
    func probesReportEveryMetricOfTheSpec(kind: ProbeKind) throws {
        let (scenario, console) = try Self.seed()
        let result = try console.probe(kind: kind.rawValue, args: kind == .backend ? ["msg-01"] : [], at: scenario.start + 15 * 60_000)
        #expect(Set(kind.metricNames).isSubset(of: Set(result.metrics.keys)), "\(result.metrics.keys)")
        #expect(result.unavailable.isEmpty && result.unavailableReason == nil, "the simulation answers every probe")
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

    @Test func aCoreOnlyTargetAnswersWhatItCanAndSaysWhatItCannotWithoutFailing() throws {
        let target = CoreOnlyTarget()
        let start = Instant.parseISO8601("2024-01-01T00:00:00Z")!
        let console = try LoadBalancerConsole(target: target, at: start)
        let health = try console.probe(kind: "health", at: start)
        #expect(health.metrics["backends_up"] == 1 && health.metrics["backends_down"] == 1)
        #expect(health.text.contains("are since the load balancer started"), "no history: the counters since start, said so")
        // No history: a probe of rates says it cannot answer, as a result rather than an error.
        for kind in ["distribution", "errors", "traffic", "latency", "db"] {
            let result = try console.probe(kind: kind, at: start)
            #expect(result.unavailableReason?.hasPrefix("haproxy:test cannot provide") == true, "\(kind)")
            #expect(result.metrics.isEmpty)
            #expect(result.unavailable == ProbeKind(rawValue: kind)!.metricNames)
            #expect(result.data["available"] == false)
            #expect(result.text.hasPrefix("probe \(kind): not available from haproxy:test"))
        }
        let change = try console.lb(arguments: ["weight", "web-1", "50"], by: "ops", at: start + 1000)
        #expect(change.data["changes"] == ["weight web-1: 100 → 50"])
        #expect(change.data["diff"] == [["server": "web-1", "field": "weight", "from": 100, "to": 50]])
        #expect(throws: TargetError.self) { try console.lb(arguments: ["algorithm", "round-robin"], by: "ops", at: start + 2000) }
    }

    @Test func aChangeMadeOutsideWarroomBecomesAVersionByTheLoadBalancer() throws {
        let target = CoreOnlyTarget()
        let start = Instant.parseISO8601("2024-01-01T00:00:00Z")!
        let console = try LoadBalancerConsole(target: target, at: start, by: "haproxy:test")
        target.servers[0].weight = 10
        let later = start + 90_000
        let show = try console.lb(arguments: ["show"], by: "ops", at: later)
        #expect(show.text.contains("configuration version 2 (by haproxy at 00:01:30Z)"))
        let found = console.takeTargetChanges()
        try #require(found.count == 1)
        #expect(found[0].by == "haproxy" && found[0].at == later)
        #expect(found[0].data["action"] == "outside-change" && found[0].data["source"] == "target")
        #expect(found[0].data["changes"] == ["weight web-1: 100 → 10"])
        #expect(found[0].data["unchanged_at"] == .string(start.iso8601) && found[0].data["seen_at"] == .string(later.iso8601))
        #expect(found[0].data["from_configuration"]?["servers"]?.arrayValue?.first?["weight"] == 100)
        #expect(found[0].data["configuration"]?["servers"]?.arrayValue?.first?["weight"] == 10)
        // Nothing new: nothing recorded; `lb diff` compares the two.
        #expect(try console.sync(at: later + 1000).isEmpty)
        #expect(try console.lb(arguments: ["diff"], by: "ops", at: later + 2000).text == "v1 → v2:\n  weight web-1: 100 → 10")
        // `lb rollback` undoes it and records exactly what it changed.
        let rollback = try console.lb(arguments: ["rollback"], by: "ops", at: later + 3000)
        #expect(rollback.data["changes"] == ["weight web-1: 10 → 100"])
        #expect(rollback.text.contains("rollback to version 1, the version before the most recent change (v2 by haproxy)"))
        #expect(target.servers[0].weight == 100)
    }

    @Test func aRollbackRefusedHalfWayRecordsWhatChangedAndFails() throws {
        let target = CoreOnlyTarget()
        let start = Instant.parseISO8601("2024-01-01T00:00:00Z")!
        let console = try LoadBalancerConsole(target: target, at: start, by: "haproxy:test")
        target.servers[0].weight = 10
        target.servers[1].weight = 20
        target.refuseAfter = 1
        let rollback = try console.lb(arguments: ["rollback", "1"], by: "ops", at: start + 5000)
        #expect(rollback.changed && rollback.data["changes"] == ["weight web-1: 10 → 100"])
        #expect(rollback.failure == "haproxy:test refused 'weight web-2 100': no more changes" && rollback.data["failure"] != nil)
        #expect(rollback.text.hasSuffix("\n  incomplete: haproxy:test refused 'weight web-2 100': no more changes"))
        // Refused at once: no version at all, just the error.
        target.servers[0].weight = 30
        target.refuseAfter = 0
        #expect(throws: TargetError.self) { try console.lb(arguments: ["rollback", "1"], by: "ops", at: start + 9000) }
        #expect(console.versions.count == 4, "v1, the outside change, the partial rollback, the second outside change")
    }

    @Test func rollbackWithoutAVersionUndoesTheWholeLatestChangeOfOneAuthor() throws {
        let (scenario, console) = try Self.seed()
        var t = scenario.start + 20 * 60_000
        for name in ["msg-01", "msg-02", "msg-03", "msg-04", "msg-05", "msg-06", "msg-07"] {
            t = t + 1000
            _ = try console.lb(arguments: ["weight", name, "50"], by: "dana", at: t)
        }
        // v1 start, v2 maintenance-automation, v3…v9 dana's seven weights: all seven are undone.
        let rollback = try console.lb(arguments: ["rollback"], by: "dana", at: t + 1000)
        #expect(rollback.data["value"] == 2)
        #expect(rollback.text.contains("the version before the most recent change (v3…v9, 7 changes by dana)"))
        #expect(console.current.configuration == console.versions[1].configuration)
        // Again: the rollback itself is the latest change, and is undone.
        let again = try console.lb(arguments: ["rollback"], by: "dana", at: t + 2000)
        #expect(again.data["value"] == 9)
        #expect(console.current.configuration == console.versions[8].configuration)
        // `initial`: the scenario's starting configuration, whatever the versions.
        let initial = try console.lb(arguments: ["rollback", "initial"], by: "dana", at: t + 3000)
        #expect(initial.data["value"] == "initial")
        #expect(console.current.configuration == LoadBalancerConfiguration(scenario: scenario))
        #expect(initial.text.contains("rollback to the configuration sim:lb-misconfig-2023-11-05 was started with"))
    }

    @Test func everyRateIsOverAStatedWindowWhateverRanBefore() throws {
        let (scenario, console) = try Self.seed()
        let t = scenario.start + 15 * 60_000
        let first = try console.probe(kind: "errors", at: t)
        _ = try console.probe(kind: "health", at: t)
        _ = try console.probe(kind: "distribution", at: t)
        let second = try console.probe(kind: "errors", at: t)
        #expect(first == second, "a probe does not change the next one's window")
        #expect(first.text.hasPrefix("Errors over the last 60s (03:44:00Z–03:45:00Z): "))
        #expect(first.window == ProbeWindow(requestedSeconds: 60, from: t - 60_000, to: t))
        #expect(first.data["window"]?["window_s"] == 60 && first.data["window"]?["covered_s"] == 60)
        let wide = try console.probe(kind: "errors", args: ["--window", "5m"], at: t)
        #expect(wide.text.hasPrefix("Errors over the last 5m (03:40:00Z–03:45:00Z): "))
        #expect(wide.args == ["--window", "5m"])
        // Early on, the probe says how little the history covers.
        let early = try Self.seed().1.probe(kind: "errors", args: ["--window=10m"], at: scenario.start + 4 * 60_000)
        #expect(early.text.hasPrefix("Errors over 4m (03:30:00Z–03:34:00Z): the history covers only 4m of the 10m window"))
        #expect(early.window?.isComplete == false)
        #expect(throws: ConsoleError.badWindow("2h")) { try console.probe(kind: "errors", args: ["--window", "2h"], at: t) }
        #expect(throws: ConsoleError.badWindow("soon")) { try console.probe(kind: "health", args: ["--window", "soon"], at: t) }
        #expect(throws: ConsoleError.self) { try console.probe(kind: "errors", args: ["--windw", "5m"], at: t) }
    }

    @Test func errorCausesAddUpToTheErrors() throws {
        let (scenario, console) = try Self.seed()
        for minute in [15, 20, 45] {
            let result = try console.probe(kind: "errors", at: scenario.start + Int64(minute) * 60_000)
            let m = { (name: String) in result.metrics[name]?.doubleValue ?? .nan }
            let parts = m("timeout_rate") + m("server_error_rate") + m("connection_error_rate") + m("no_server_rate") + (result.metrics["limited_rate"]?.doubleValue ?? 0)
            #expect(abs(parts - m("error_rate")) < 1e-9, "\(result.metrics)")
            for label in ["  timeouts", "  5xx from servers", "  connection failures", "  no server available"] {
                #expect(result.text.contains("\n\(label) "), "\(label) is labelled")
            }
        }
    }

    @Test func identicalRowsFoldUnlessAll() throws {
        let (scenario, console) = try Self.seed()
        let t = scenario.start + 15 * 60_000
        for kind in ["health", "distribution", "latency", "errors", "config"] {
            let folded = try console.probe(kind: kind, at: t).text
            #expect(folded.contains("msg-01…msg-27 (27)"), "\(kind)")
            #expect(!folded.contains("\nmsg-14 "), "\(kind)")
            let all = try console.probe(kind: kind, args: ["--all"], at: t).text
            #expect(!all.contains("…msg-27 (27)") && all.contains("\nmsg-14 "), "\(kind)")
        }
        let show = try console.lb(arguments: ["show"], by: "a", at: t).text
        #expect(show.contains("msg-01…msg-27 (27)"))
        #expect(try console.lb(arguments: ["show", "--all"], by: "a", at: t).text.contains("\nmsg-14 "))
        let diff = try console.lb(arguments: ["diff", "1", "2"], by: "a", at: t).text
        #expect(diff.contains("  weight 100 → 25 on msg-01…msg-27 (27)"))
        let everything = try console.lb(arguments: ["diff", "1", "2", "--all"], by: "a", at: t).text
        #expect(everything.split(separator: "\n").count == 31)
        // Health: servers failing checks are up, and the header says so.
        let health = try console.probe(kind: "health", at: t)
        #expect(health.text.hasPrefix("Health at 03:45:00Z: 28 up, 2 up but failing checks (UP n/m), 0 down"))
        #expect(health.metrics["backends_up"] == 30 && health.metrics["backends_failing_checks"] == 2)
    }

    @Test func checkStatusDropsHAProxysInProgressMarker() {
        #expect(ServerStats(backend: "b", name: "s", status: "UP", weight: 1, checkStatus: "* L7OK").checkStatus == "L7OK")
        #expect(ServerStats(backend: "b", name: "s", status: "UP", weight: 1, checkStatus: "L4TOUT").checkStatus == "L4TOUT")
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
