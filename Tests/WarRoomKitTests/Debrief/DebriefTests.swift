import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// A scenario's `drill:` block (read with every problem's position) and the debrief compiled
/// from a drill's record against it, in every format.
@Suite struct DebriefTests {
    // MARK: - The drill: block

    /// A valid scenario, 11 lines with one event at +5m; `drill:` goes on line 12, its first key on line 13.
    static let base = """
        scenario: tiny
        title: Tiny pool
        start: 2024-01-01T00:00:00Z
        traffic: { rate: 100 }
        loadbalancer: { algorithm: round-robin }
        backends:
          - { name: a, capacity: 100, latency: 10ms }
          - { name: b, capacity: 100, latency: 10ms }
        events:
          - at: +5m
            set: { weights: { a: 10 } }

        """

    static let fullDrill = """
          trigger: +10m
          par: { detect: 5m, mitigate: 45m, resolve: 8h }
          misleading:
            - name: DDoS
              match: [ddos, attack, traffic spike]
              ruled_out_by: probe traffic
              why: the request rate is at its usual level
            - { name: database, match: db, ruled_out_by: probe db }
          confirm: probe distribution
          fix: [lb rollback, lb set]
          injects:
            - { name: customer-tweets, text: Customers say messages hang }
            - { name: ceo-2, text: "The CEO asks: is it fixed?" }

        """

    static func scenario(drill: String?, base: String = DebriefTests.base) -> String {
        base + (drill.map { "drill:\n" + $0 } ?? "")
    }

    static func parse(drill: String?, base: String = DebriefTests.base) -> (scenario: Scenario?, diagnostics: [String]) {
        let (scenario, diagnostics) = ScenarioLoader.parse(bytes: Array(scenario(drill: drill, base: base).utf8), file: "s.yaml")
        return (scenario, diagnostics.map(\.description))
    }

    func lint(_ drill: String) -> [String] {
        ScenarioLoader.lint(bytes: Array(Self.scenario(drill: drill).utf8), file: "s.yaml").map(\.description)
    }

    static let probeList = "probe health|distribution|latency|errors|traffic|config|backend|db|network"

    @Test func aFullDrillBlockParsesIntoThePlan() throws {
        let (scenario, diagnostics) = Self.parse(drill: Self.fullDrill)
        #expect(diagnostics == [])
        let loaded = try #require(scenario)
        let plan = try #require(loaded.drill)
        #expect(plan == DrillPlan(
            trigger: 600_000,
            par: DrillPlan.Par(detect: 300_000, mitigate: 2_700_000, resolve: 28_800_000),
            misleading: [
                DrillPlan.MisleadingPath(name: "DDoS", match: ["ddos", "attack", "traffic spike"], ruledOutBy: "probe traffic",
                                         why: "the request rate is at its usual level"),
                DrillPlan.MisleadingPath(name: "database", match: ["db"], ruledOutBy: "probe db", why: nil),
            ],
            confirm: "probe distribution",
            fix: ["lb rollback", "lb set"],
            injects: [DrillPlan.Inject(name: "customer-tweets", text: "Customers say messages hang"),
                      DrillPlan.Inject(name: "ceo-2", text: "The CEO asks: is it fixed?")]))
    }

    @Test func theTriggerDefaultsToTheFirstEventAndMayBeATime() throws {
        let defaulted = try #require(Self.parse(drill: "  par: { detect: 5m }\n").scenario?.drill)
        #expect(defaulted.trigger == 300_000)
        #expect(defaulted.par == DrillPlan.Par(detect: 300_000, mitigate: nil, resolve: nil))
        #expect(defaulted.misleading.isEmpty && defaulted.fix.isEmpty && defaulted.injects.isEmpty && defaulted.confirm == nil)
        let atATime = try #require(Self.parse(drill: "  trigger: 2024-01-01T00:20:00Z\n  par: { detect: 5m }\n").scenario?.drill)
        #expect(atATime.trigger == 1_200_000)
        let atTheStart = try #require(Self.parse(drill: "  trigger: +0s\n  par: { detect: 5m }\n").scenario?.drill)
        #expect(atTheStart.trigger == 0)
    }

    @Test func theDefaultTriggerIsTheEarliestEventNotTheFirstWritten() throws {
        // Scenario.events is in time order (the simulation's first event is at +5m), but the
        // drill reader is handed the events as written.
        let base = Self.base.replacingOccurrences(of: "events:\n", with: "events:\n  - at: +20m\n    set: { weights: { b: 10 } }\n")
        let scenario = try #require(Self.parse(drill: "  par: { detect: 5m }\n", base: base).scenario)
        #expect(scenario.events.first?.offset == 300_000)
        #expect(scenario.drill?.trigger == 300_000)
    }

    @Test func aDrillWithNoEventsAndNoTriggerIsAWarning() throws {
        let base = String(Self.base[..<Self.base.range(of: "events:")!.lowerBound])
        let (scenario, diagnostics) = Self.parse(drill: "  par: { detect: 5m }\n", base: base)
        #expect(diagnostics == ["s.yaml:10:3: warning: the drill has no events and no 'trigger': par counts from the scenario's start"])
        #expect(try #require(scenario?.drill).trigger == 0)
    }

    @Test func aTriggerThatIsNotATimeAfterTheStartIsRefused() {
        let message = "'trigger' is when the drill breaks: +DURATION after the scenario's start (+10m) or a time after it, not"
        #expect(lint("  trigger: soon\n  par: { detect: 5m }\n") == ["s.yaml:13:12: \(message) 'soon'"])
        #expect(lint("  trigger: 2023-12-31T23:00:00Z\n  par: { detect: 5m }\n") == ["s.yaml:13:12: \(message) '2023-12-31T23:00:00Z'"])
        #expect(Self.parse(drill: "  trigger: soon\n  par: { detect: 5m }\n").scenario == nil)
    }

    @Test func parIsRequired() {
        let (scenario, diagnostics) = Self.parse(drill: "  trigger: +10m\n")
        #expect(scenario == nil)
        #expect(diagnostics == ["s.yaml:13:3: missing required field 'par' in drill"])
    }

    @Test func parWithNoTimeIsRefused() {
        #expect(lint("  par: {}\n") == ["s.yaml:13:8: par names no time: give detect, mitigate and resolve (5m, 45m, 8h), each after the trigger"])
    }

    @Test func aParOfZeroIsRefused() {
        #expect(lint("  par: { detect: 0s, mitigate: 45m }\n") == ["s.yaml:13:18: par.detect is a time after the trigger from 1s to 31 days (a drill's longest)"])
        // Below a second, or past any drill (a number Int64 cannot hold), is refused, never a crash.
        #expect(lint("  par: { detect: 0.4ms }\n") == ["s.yaml:13:18: par.detect is a time after the trigger from 1s to 31 days (a drill's longest)"])
        #expect(lint("  par: { detect: 99999999999999999999h }\n") == ["s.yaml:13:18: par.detect is a time after the trigger from 1s to 31 days (a drill's longest)"])
        #expect(lint("  par: { detect: soon }\n") == ["s.yaml:13:18: 'par.detect' is not a duration: 'soon' (use a number and a unit: 500ms, 90s, 5m, 2h)"])
    }

    @Test func parOutOfOrderIsRefused() {
        #expect(lint("  par: { detect: 5m, mitigate: 2m, resolve: 8h }\n") == ["s.yaml:13:32: par.mitigate (2m) comes before par.detect (5m)"])
        // A time left out is skipped: resolve is compared with detect.
        #expect(lint("  par:\n    detect: 5m\n    resolve: 90s\n") == ["s.yaml:15:14: par.resolve (1m 30s) comes before par.detect (5m)"])
        // Equal is in order.
        #expect(lint("  par: { detect: 5m, mitigate: 5m, resolve: 5m }\n") == [])
    }

    @Test func ruledOutByMustBeAKnownProbe() {
        let found = lint("""
              par: { detect: 5m }
              misleading:
                - name: DDoS
                  match: ddos
                  ruled_out_by: lb rollback
                - name: flood
                  match: flood
                  ruled_out_by: probe trafic
                - name: storm
                  match: storm
                  ruled_out_by: probe

            """)
        #expect(found == [
            "s.yaml:17:21: ruled_out_by is a probe (\(Self.probeList)), not 'lb rollback'",
            "s.yaml:20:21: ruled_out_by is a probe (\(Self.probeList)), not 'probe trafic' (did you mean 'traffic'?)",
            "s.yaml:23:21: ruled_out_by is a probe (\(Self.probeList)), not 'probe'",
        ])
    }

    @Test func aMisleadingPathNeedsItsFields() {
        #expect(lint("  par: { detect: 5m }\n  misleading:\n    - { name: DDoS, why: no }\n") == [
            "s.yaml:15:7: missing required field 'match' in a misleading path",
            "s.yaml:15:7: missing required field 'ruled_out_by' in a misleading path",
        ])
        #expect(lint("  par: { detect: 5m }\n  misleading:\n    - { name: DDoS, match: ddos, ruled_out_by: probe traffic, owner: x }\n")
            == ["s.yaml:15:63: unknown field 'owner' in a misleading path"])
    }

    @Test func anEmptyMatchIsRefused() {
        let path = "  par: { detect: 5m }\n  misleading:\n    - name: DDoS\n      match: MATCH\n      ruled_out_by: probe traffic\n"
        let message = "match lists the words that mark a hypothesis as 'DDoS' (ddos, attack …)"
        #expect(lint(path.replacingOccurrences(of: "MATCH", with: "[]")) == ["s.yaml:16:14: \(message)"])
        // A list of terms with no word in them is as empty.
        #expect(lint(path.replacingOccurrences(of: "MATCH", with: "[\"--\", \"!\"]")) == ["s.yaml:16:14: \(message)"])
        #expect(Self.parse(drill: path.replacingOccurrences(of: "MATCH", with: "[]")).scenario == nil)
        #expect(lint(path.replacingOccurrences(of: "MATCH", with: "\"\"")) == ["s.yaml:16:14: \(message)"])
    }

    @Test func confirmMustBeAProbe() {
        #expect(lint("  par: { detect: 5m }\n  confirm: lb rollback\n") == ["s.yaml:14:12: confirm is a probe (\(Self.probeList)), not 'lb rollback'"])
        #expect(lint("  par: { detect: 5m }\n  confirm: probe distrbution\n")
            == ["s.yaml:14:12: confirm is a probe (\(Self.probeList)), not 'probe distrbution' (did you mean 'distribution'?)"])
    }

    @Test func aFixMustBeAnLBCommand() {
        #expect(lint("  par: { detect: 5m }\n  fix: [lb rollback, probe traffic]\n")
            == ["s.yaml:14:22: fix names the lb commands that fix it (lb rollback, lb set …), not 'probe traffic'"])
        #expect(lint("  par: { detect: 5m }\n  fix: lbrollback\n") == ["s.yaml:14:8: fix names the lb commands that fix it (lb rollback, lb set …), not 'lbrollback'"])
        // One command alone is a list of one.
        #expect(Self.parse(drill: "  par: { detect: 5m }\n  fix: lb weight\n").scenario?.drill?.fix == ["lb weight"])
    }

    @Test func injectNamesAreLowercaseAndUnique() {
        let found = lint("""
              par: { detect: 5m }
              injects:
                - { name: Customer-Tweets, text: x }
                - { name: ceo, text: a }
                - { name: ceo, text: b }
                - { name: "", text: c }
                - { name: pager }

            """)
        #expect(found == [
            "s.yaml:15:15: an inject's name is lowercase letters, digits and '-' (customer-tweets), not 'Customer-Tweets'",
            "s.yaml:17:15: inject 'ceo' is named twice",
            "s.yaml:18:15: an inject's name is lowercase letters, digits and '-' (customer-tweets), not ''",
            "s.yaml:19:7: missing required field 'text' in an inject",
        ])
    }

    @Test func anUnknownKeyInDrillIsRefusedWithASuggestion() {
        #expect(lint("  par: { detect: 5m }\n  triger: +10m\n") == ["s.yaml:14:3: unknown field 'triger' in drill (did you mean 'trigger'?)"])
        #expect(lint("  par: { detect: 5m, mitgate: 45m }\n")
            == ["s.yaml:13:22: unknown field 'mitgate' in par (did you mean 'mitigate'?)"])
        #expect(lint("  - par\n") == ["s.yaml:13:3: drill must be a mapping (key: value)"])
    }

    @Test func everyProblemOfTheBlockIsReportedAtOnceInFileOrder() {
        let found = lint("""
              par: { detect: 5m, mitigate: 2m }
              confirm: lb show
              fix: [probe db]
              injects:
                - { name: A, text: x }

            """)
        #expect(found.map { $0.split(separator: ":").prefix(2).joined(separator: ":") } == ["s.yaml:13", "s.yaml:14", "s.yaml:15", "s.yaml:17"])
    }

    // MARK: - Matching a hypothesis to a path

    static let ddos = DrillPlan.MisleadingPath(name: "DDoS", match: ["ddos", "attack", "traffic spike"], ruledOutBy: "probe traffic", why: nil)
    static let database = DrillPlan.MisleadingPath(name: "database", match: ["db"], ruledOutBy: "probe db", why: nil)

    @Test(arguments: [
        ("Could be a DDoS", true),
        ("DDOS from a botnet", true),
        ("(ddos), surely!", true),
        ("an attack?", true),
        ("ddosed", false),
        ("attacks", false),
        ("A traffic spike at 03:40", true),
        ("TRAFFIC   SPIKE", true),
        ("traffic, spike", true),
        ("spike in traffic", false),
        ("traffic is up", false),
        ("", false),
    ])
    func aPathMatchesWholeWordsInAnyCase(text: String, expected: Bool) {
        #expect(Self.ddos.matches(text) == expected)
    }

    @Test func aWordIsNotMatchedInsideAnother() {
        #expect(Self.database.matches("db is slow"))
        #expect(Self.database.matches("the DB."))
        #expect(Self.database.matches("db-1 failing"))
        #expect(!Self.database.matches("dbx is slow"))
        #expect(!Self.database.matches("mongodb is slow"))
        #expect(!Self.database.matches("the database"))
    }

    @Test func aTermOfSeveralWordsMatchesOnlyThoseWholeWords() {
        #expect(!Self.ddos.matches("a traffic spikes"))
        #expect(!Self.ddos.matches("nettraffic spike"))
    }

    // MARK: - Compiling a debrief

    static let t0 = Instant.parseISO8601("2024-01-01T00:00:00Z")!

    /// `HH:MM` or `HH:MM:SS` on the drill's day.
    static func time(_ clock: String) -> Instant {
        let parts = clock.split(separator: ":").map { Int64($0)! }
        return t0 + (parts[0] * 3600 + parts[1] * 60 + (parts.count > 2 ? parts[2] : 0)) * 1000
    }

    /// A drill's record, built in memory: consecutive `seq`s, a hash chain.
    struct Record {
        var entries: [TranscriptEntry] = []

        init(scenario: JSONValue?) {
            var data: JSONObject = ["incident": "DRILL-20240101-0000", "title": "Tiny drill", "severity": "SEV-2",
                                    "clock": ["mode": "virtual", "speed": 0, "start": "2024-01-01T00:00:00Z"], "target": "sim"]
            if let scenario { data["scenario"] = scenario }
            add("00:00", by: "dana", .open, text: "Tiny drill", data: data)
        }

        @discardableResult
        mutating func add(_ clock: String, by: String, _ kind: EntryKind, input: String? = nil, text: String = "", data: JSONObject = [:],
                          login: String? = nil) -> Int {
            let seq = entries.count + 1
            let at = DebriefTests.time(clock)
            var entry = TranscriptEntry(seq: seq, at: at, wall: at, by: by, kind: kind, input: input, text: text, data: data)
            entry.hash = HashChain.hash(previous: entries.last?.hash ?? HashChain.genesis, content: entry.contentBytes())
            entry.login = login
            entries.append(entry)
            return seq
        }

        mutating func mark(_ clock: String, by: String, _ milestone: String, time: String) {
            add(clock, by: by, .milestone, input: "mark \(milestone) --at \(time)Z", text: "marked \(milestone)",
                data: ["milestone": .string(milestone), "time": .string(DebriefTests.time(time).iso8601)])
        }

        mutating func hypothesis(_ clock: String, by: String, _ id: String, _ text: String, status: String = "open", login: String? = nil) {
            add(clock, by: by, .hypothesis, text: text, data: ["id": .string(id), "status": .string(status)], login: login)
        }

        mutating func probe(_ clock: String, by: String, _ kind: String) {
            add(clock, by: by, .probe, input: "probe \(kind)", text: "\(kind) probe", data: ["probe": .string(kind), "args": [], "metrics": [:]])
        }

        mutating func lb(_ clock: String, by: String, _ input: String, action: String) {
            add(clock, by: by, .lb, input: input, text: "configuration changed", data: ["action": .string(action), "source": "operator", "changed": true])
        }
    }

    static func scenarioRecord(_ path: String, id: String = "tiny") -> JSONValue {
        ["id": .string(id), "seed": 1, "sha256": "ab", "path": .string(path)]
    }

    /// A scenario file with the full drill block (or none), in `folder`.
    static func writeScenario(in folder: TemporaryFolder, drill: String? = fullDrill, name: String = "tiny.yaml") throws -> String {
        let path = folder.file(name)
        try scenario(drill: drill).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The drill, trigger 00:10 (par detect 5m, mitigate 45m, resolve 8h): detected at 00:13,
    /// DDoS raised 00:15, probe traffic 00:17, ruled out 00:20; a hypothesis on no path; the
    /// database path raised 00:25 and never ruled out; a weight change, then the rollback at
    /// 00:40; mitigated at 00:55:45; resolved never (or at 08:10, on par).
    static func drill(scenarioPath: String, resolved: Bool = false, hypothesis: String = "Maybe the cache is cold") -> [TranscriptEntry] {
        var r = Record(scenario: scenarioRecord(scenarioPath))
        r.add("00:10", by: "automation", .lb, text: "configuration version 2 by automation at 00:10:00: canary weights",
              data: ["action": "scenario-event", "source": "scenario", "changed": true, "by": "automation"])
        r.add("00:12", by: "monitoring", .alert, text: "ErrorRate firing", data: ["alert": "ErrorRate", "state": "firing", "metric": "errors.error_rate"])
        r.mark("00:14", by: "dana", "detected", time: "00:13")
        r.entries[r.entries.count - 1].login = "dana"
        r.hypothesis("00:15", by: "dana", "H1", "Could be a DDoS from a botnet", login: "chloe")
        r.probe("00:17", by: "erin", "traffic")
        r.hypothesis("00:18", by: "erin", "H2", hypothesis)
        r.hypothesis("00:20", by: "dana", "H1", "Traffic is at its usual level", status: "ruled-out")
        r.add("00:22", by: "ivan", .note, input: "note #inject customer-tweets", text: "#inject customer-tweets", data: ["tags": ["inject"]])
        r.hypothesis("00:25", by: "erin", "H3", "The db is slow")
        r.lb("00:30", by: "erin", "lb weight a 50", action: "weight")
        r.probe("00:35", by: "erin", "distribution")
        r.lb("00:40", by: "erin", "lb rollback 1", action: "rollback")
        r.mark("00:56", by: "dana", "mitigated", time: "00:55:45")
        if resolved { r.mark("08:10", by: "dana", "resolved", time: "08:10") }
        return r.entries
    }

    @Test func timesAreMeasuredFromTheTriggerAgainstPar() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.writeScenario(in: folder)
        let debrief = try Debrief.compile(entries: Self.drill(scenarioPath: path), transcriptFile: "t.jsonl", folders: [])
        #expect(debrief.scenario == "tiny")
        #expect(debrief.incident == "DRILL-20240101-0000")
        #expect(debrief.trigger == Self.time("00:10"))
        #expect(debrief.firstAlert?.name == "ErrorRate")
        #expect(debrief.times.map(\.name) == ["detect", "mitigate", "resolve"])
        #expect(debrief.times.map(\.at) == [Self.time("00:13"), Self.time("00:55:45"), nil])
        #expect(debrief.times.map(\.par) == [300_000, 2_700_000, 28_800_000])
        #expect(debrief.times.map(\.afterTrigger) == [180_000, 2_745_000, nil])
        #expect(debrief.times.map(\.againstPar) == [-120_000, 45_000, nil])
        #expect(debrief.end == Self.time("00:56"))
        #expect(debrief.findings == [
            "'resolved' was never marked, so the team's time to resolve is not known",
            "the misleading path 'database' (raised 00:25Z) was never ruled out",
        ])
    }

    @Test func misleadingPathsAsTheTeamWalkedThem() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let debrief = try Debrief.compile(entries: Self.drill(scenarioPath: try Self.writeScenario(in: folder)), transcriptFile: "t.jsonl", folders: [])
        let ddos = try #require(debrief.paths.first)
        #expect(ddos.name == "DDoS")
        #expect(ddos.ruledOutBy == "probe traffic")
        #expect(ddos.why == "the request rate is at its usual level")
        #expect(ddos.hypotheses.map(\.id) == ["H1"])
        #expect(ddos.raisedAt == Self.time("00:15"))
        #expect(ddos.settledAt == Self.time("00:20"))
        #expect(ddos.spent == 300_000)
        #expect(ddos.probeRunAt == Self.time("00:17"))
        #expect(ddos.couldHaveSaved == 180_000)

        let database = try #require(debrief.paths.last)
        #expect(debrief.paths.count == 2)
        #expect(database.name == "database")
        #expect(database.hypotheses.map(\.id) == ["H3"])
        #expect(database.raisedAt == Self.time("00:25"))
        #expect(database.settledAt == nil)
        #expect(database.spent == 1_860_000)  // 31 min, to the end of the record
        #expect(database.probeRunAt == nil)
        #expect(database.couldHaveSaved == nil)

        #expect(debrief.otherHypotheses.map(\.id) == ["H2"])
        #expect(debrief.otherHypotheses.first?.text == "Maybe the cache is cold")
    }

    @Test func aPathNeverRaisedIsNoFinding() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var r = Record(scenario: Self.scenarioRecord(try Self.writeScenario(in: folder)))
        r.mark("00:14", by: "dana", "detected", time: "00:14")
        r.mark("00:30", by: "dana", "mitigated", time: "00:30")
        r.mark("01:00", by: "dana", "resolved", time: "01:00")
        let debrief = try Debrief.compile(entries: r.entries, transcriptFile: "t.jsonl", folders: [])
        #expect(debrief.findings == [])
        #expect(debrief.paths.map(\.raisedAt) == [nil, nil])
        #expect(debrief.paths.map(\.spent) == [nil, nil])
        #expect(debrief.otherHypotheses.isEmpty)
        #expect(debrief.fix.firstAt == nil)
        #expect(debrief.confirm?.firstRun == nil)
    }

    @Test func aProbeRunAfterTheRuleOutSavesNothing() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var r = Record(scenario: Self.scenarioRecord(try Self.writeScenario(in: folder)))
        r.hypothesis("00:15", by: "dana", "H1", "an attack")
        r.hypothesis("00:20", by: "dana", "H1", "no", status: "ruled-out")
        r.probe("00:25", by: "dana", "traffic")
        let path = try #require(try Debrief.compile(entries: r.entries, transcriptFile: "t.jsonl", folders: []).paths.first)
        #expect(path.probeRunAt == Self.time("00:25"))
        #expect(path.settledAt == Self.time("00:20"))
        #expect(path.couldHaveSaved == nil)
    }

    @Test func theConfirmingProbeAndTheFix() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let debrief = try Debrief.compile(entries: Self.drill(scenarioPath: try Self.writeScenario(in: folder)), transcriptFile: "t.jsonl", folders: [])
        #expect(debrief.confirm?.command == "probe distribution")
        #expect(debrief.confirm?.firstRun == Self.time("00:35"))
        // The weight change at 00:30 begins like no fix; the scenario's own change is by nobody.
        #expect(debrief.fix.commands == ["lb rollback", "lb set"])
        #expect(debrief.fix.firstAt == Self.time("00:40"))
        #expect(debrief.fix.text == "lb rollback 1")
    }

    @Test func aFixTypedByNoPersonIsNotTheFix() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var r = Record(scenario: Self.scenarioRecord(try Self.writeScenario(in: folder)))
        r.add("00:20", by: "automation", .lb, input: "lb rollback 1", text: "rolled back", data: ["action": "rollback", "source": "scenario"])
        r.add("00:21", by: "warroom", .lb, input: "lb rollback 1", text: "rolled back", data: ["action": "rollback", "source": "operator"])
        r.lb("00:30", by: "erin", "lb set a weight 10", action: "weight")
        let debrief = try Debrief.compile(entries: r.entries, transcriptFile: "t.jsonl", folders: [])
        #expect(debrief.fix.firstAt == Self.time("00:30"))
        #expect(debrief.fix.text == "lb set a weight 10")
    }

    /// Commands, probes, changes, notes, hypotheses.
    static func counts(_ person: Debrief.Person) -> [Int] {
        [person.commands, person.probes, person.changes, person.notes, person.hypotheses]
    }

    @Test func whoDidWhat() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let debrief = try Debrief.compile(entries: Self.drill(scenarioPath: try Self.writeScenario(in: folder)), transcriptFile: "t.jsonl", folders: [])
        #expect(debrief.people.map(\.name) == ["dana", "erin", "ivan"])
        try #require(debrief.people.count == 3)
        let dana = debrief.people[0], erin = debrief.people[1], ivan = debrief.people[2]
        // Two milestones and a rule-out are commands; the login she typed the hypothesis under is kept.
        #expect(Self.counts(dana) == [3, 0, 0, 0, 1])
        #expect(dana.logins == ["chloe"])
        #expect(dana.first == Self.time("00:14"))
        #expect(dana.last == Self.time("00:56"))
        #expect(Self.counts(erin) == [0, 2, 2, 0, 2])
        #expect(erin.logins.isEmpty)
        #expect(erin.first == Self.time("00:17"))
        #expect(erin.last == Self.time("00:40"))
        #expect(Self.counts(ivan) == [0, 0, 0, 1, 0])
    }

    @Test func whatHappenedToTheTeamAndTheFirstReaction() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let debrief = try Debrief.compile(entries: Self.drill(scenarioPath: try Self.writeScenario(in: folder)), transcriptFile: "t.jsonl", folders: [])
        #expect(debrief.happenings.map(\.what) == [
            "configuration version 2 by automation at 00:10:00: canary weights",
            "alert ErrorRate fired",
            "inject customer-tweets: Customers say messages hang",
        ])
        #expect(debrief.happenings.map(\.at) == [Self.time("00:10"), Self.time("00:12"), Self.time("00:22")])
        let alert = try #require(debrief.happenings[1].reaction)
        #expect(alert.at == Self.time("00:14"))
        #expect(alert.by == "dana")
        #expect(alert.text == "mark detected --at 00:13Z")
        // The facilitator's own entries are no reaction to the inject.
        let inject = try #require(debrief.happenings[2].reaction)
        #expect(inject.by == "erin")
        #expect(inject.at == Self.time("00:25"))
        #expect(inject.text == "The db is slow")
    }

    @Test func aResolvedAlertAndAnUnknownInjectAreNoSurprise() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var r = Record(scenario: Self.scenarioRecord(try Self.writeScenario(in: folder)))
        r.add("00:12", by: "monitoring", .alert, text: "resolved", data: ["alert": "ErrorRate", "state": "resolved"])
        r.add("00:13", by: "ivan", .note, text: "#inject pizza-arrives", data: ["tags": ["inject"]])
        let debrief = try Debrief.compile(entries: r.entries, transcriptFile: "t.jsonl", folders: [])
        #expect(debrief.happenings.map(\.what) == ["inject pizza-arrives"])
        #expect(debrief.happenings.first?.reaction == nil)
    }

    @Test func aTranscriptThatIsNotADrillIsRefused() throws {
        for record in [nil, JSONValue.null] {
            var r = Record(scenario: record)
            r.mark("00:14", by: "dana", "detected", time: "00:14")
            let error = #expect(throws: DebriefError.self) {
                try Debrief.compile(entries: r.entries, transcriptFile: "Transcripts/INC-1.jsonl", folders: [])
            }
            guard case .notADrill(let file) = error else {
                Issue.record("expected notADrill, got \(String(describing: error))")
                continue
            }
            #expect(file == "Transcripts/INC-1.jsonl")
            #expect("\(error!)".hasPrefix("Transcripts/INC-1.jsonl is not a drill (its open entry names no scenario)"))
        }
    }

    @Test func aScenarioThatCannotBeFoundIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try FileManager.default.createDirectory(atPath: folder.file("scenarios"), withIntermediateDirectories: true)
        _ = try Self.writeScenario(in: folder, name: "scenarios/other.yaml")
        for folders in [[], [folder.path]] {
            let entries = Record(scenario: Self.scenarioRecord(folder.file("gone/tiny.yaml"), id: "missing-drill")).entries
            let error = #expect(throws: DebriefError.self) {
                try Debrief.compile(entries: entries, transcriptFile: "t.jsonl", folders: folders)
            }
            guard case .scenario(let id, _) = error else {
                Issue.record("expected a scenario error, got \(String(describing: error))")
                continue
            }
            #expect(id == "missing-drill")
            #expect("\(error!)".hasPrefix("the drill's scenario 'missing-drill' cannot be read ("))
            #expect("\(error!)".hasSuffix("); give the folder it is in with --playbooks"))
        }
    }

    @Test func aScenarioWithErrorsIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.writeScenario(in: folder, drill: "  par: { detect: 0s }\n")
        let error = #expect(throws: DebriefError.self) {
            try Debrief.compile(entries: Record(scenario: Self.scenarioRecord(path)).entries, transcriptFile: "t.jsonl", folders: [])
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("par.detect is a time after the trigger from 1s to 31 days (a drill's longest)"))
    }

    @Test func aScenarioMovedAwayIsFoundByItsIdInTheFolders() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try FileManager.default.createDirectory(atPath: folder.file("scenarios"), withIntermediateDirectories: true)
        _ = try Self.writeScenario(in: folder, name: "scenarios/tiny.yaml")
        let debrief = try Debrief.compile(entries: Self.drill(scenarioPath: folder.file("moved/tiny.yaml")), transcriptFile: "t.jsonl",
                                          folders: [folder.path])
        #expect(debrief.scenario == "tiny")
        #expect(debrief.paths.count == 2)
    }

    @Test func aScenarioWithoutADrillBlockCompilesWithAFinding() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var r = Record(scenario: Self.scenarioRecord(try Self.writeScenario(in: folder, drill: nil)))
        r.mark("00:08", by: "dana", "detected", time: "00:08")
        r.mark("00:20", by: "dana", "mitigated", time: "00:20")
        r.mark("00:30", by: "dana", "resolved", time: "00:30")
        r.hypothesis("00:09", by: "dana", "H1", "a DDoS")
        let debrief = try Debrief.compile(entries: r.entries, transcriptFile: "t.jsonl", folders: [])
        #expect(debrief.findings == [
            "the scenario 'tiny' has no drill: block, so there is no par and no intended path to compare with (docs/DRILLS.md)",
        ])
        // No plan: the trigger is the scenario's first event (+5m), and no time has a par.
        #expect(debrief.trigger == Self.time("00:05"))
        #expect(debrief.times.map(\.afterTrigger) == [180_000, 900_000, 1_500_000])
        #expect(debrief.times.allSatisfy { $0.par == nil && $0.againstPar == nil })
        #expect(debrief.paths.isEmpty)
        #expect(debrief.otherHypotheses.map(\.id) == ["H1"])
        #expect(debrief.confirm == nil)
        #expect(debrief.fix.commands.isEmpty)
        let markdown = DebriefRenderer.render(debrief, format: .markdown)
        #expect(markdown.contains("The plan names no misleading paths."))
        #expect(markdown.contains("| detect | 00:08Z (+3 min) | — | — |"))
    }

    @Test func aParLeftOutIsAFinding() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var r = Record(scenario: Self.scenarioRecord(try Self.writeScenario(in: folder, drill: "  trigger: +10m\n  par: { detect: 5m }\n")))
        r.mark("00:14", by: "dana", "detected", time: "00:14")
        r.mark("00:20", by: "dana", "mitigated", time: "00:20")
        r.mark("00:30", by: "dana", "resolved", time: "00:30")
        let debrief = try Debrief.compile(entries: r.entries, transcriptFile: "t.jsonl", folders: [])
        #expect(debrief.findings == ["the plan gives no par for mitigate", "the plan gives no par for resolve"])
    }

    @Test func retractedEntriesAreLeftOut() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var r = Record(scenario: Self.scenarioRecord(try Self.writeScenario(in: folder)))
        r.hypothesis("00:15", by: "dana", "H1", "an attack")
        let probe = r.add("00:16", by: "dana", .probe, input: "probe traffic", text: "traffic", data: ["probe": "traffic"])
        r.add("00:17", by: "dana", .retract, text: "wrong window", data: ["target": .int(probe), "reason": "wrong window"])
        let fix = r.add("00:18", by: "dana", .lb, input: "lb rollback 1", text: "rolled back", data: ["action": "rollback", "source": "operator"])
        r.add("00:19", by: "dana", .retract, text: "typo", data: ["target": .int(fix), "reason": "typo"])
        let debrief = try Debrief.compile(entries: r.entries, transcriptFile: "t.jsonl", folders: [])
        #expect(debrief.paths.first?.probeRunAt == nil)
        #expect(debrief.fix.firstAt == nil)
        #expect(debrief.people.first?.probes == 0)
        #expect(debrief.people.first?.changes == 0)
    }

    // MARK: - Rendering

    static func rendered(_ format: DebriefFormat, hypothesis: String = "Maybe the cache is cold") throws -> String {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let entries = drill(scenarioPath: try writeScenario(in: folder), resolved: true, hypothesis: hypothesis)
        return DebriefRenderer.render(try Debrief.compile(entries: entries, transcriptFile: "t.jsonl", folders: []), format: format)
    }

    @Test func markdownHasTheTimesAgainstPar() throws {
        let text = try Self.rendered(.markdown)
        #expect(text.hasPrefix("# Debrief: Tiny drill\n"))
        #expect(text.contains("| Time to | Team | Par | Against par |\n|---|---:|---:|---|\n"))
        #expect(text.contains("| detect | 00:13Z (+3 min) | +5 min | 2 min under par |"))
        #expect(text.contains("| mitigate | 00:55Z (+46 min) | +45 min | 45 s over par |"))
        #expect(text.contains("| resolve | 08:10Z (+8 h) | +8 h | on par |"))
        #expect(text.contains("Monitoring's first alert, ErrorRate, fired at 00:12Z (+2 min)."))
        #expect(text.contains("| DDoS (H1) | 00:15Z | 00:20Z | 5 min | probe traffic (run 00:17Z) | 3 min |"))
        #expect(text.contains("| database (H3) | 00:25Z | never |"))
        #expect(text.contains("- H2 Maybe the cache is cold — open, not on the plan"))
        #expect(text.contains("- `probe distribution` shows the cause: first run at 00:35Z (+25 min)"))
        #expect(text.contains("- The fix (`lb rollback` or `lb set`): first applied at 00:40Z (+30 min), `lb rollback 1`"))
        #expect(text.contains("| dana (login chloe) | 4 | 0 | 0 | 0 | 1 | 00:14Z–08:10Z |"))
        #expect(text.contains("| 00:12Z | alert ErrorRate fired | dana: mark detected --at 00:13Z | 2 min |"))
        #expect(text.contains("> **Warning:** the misleading path 'database' (raised 00:25Z) was never ruled out"))
        #expect(!text.contains("not marked"))
    }

    @Test func markdownSaysATimeNotMarked() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let debrief = try Debrief.compile(entries: Self.drill(scenarioPath: try Self.writeScenario(in: folder)), transcriptFile: "t.jsonl", folders: [])
        let text = DebriefRenderer.render(debrief, format: .markdown)
        #expect(text.contains("| resolve | not marked | +8 h | — |"))
        #expect(text.contains("> **Warning:** 'resolved' was never marked, so the team's time to resolve is not known"))
    }

    @Test func jsonHasEveryFigure() throws {
        let json = try JSONValue.parse(try Self.rendered(.json))
        let times = try #require(json["times"]?.arrayValue)
        #expect(times.compactMap { $0["name"]?.stringValue } == ["detect", "mitigate", "resolve"])
        #expect(times.map { $0["against_par_s"]?.doubleValue } == [-120, 45, 0])
        #expect(times.map { $0["after_trigger_s"]?.doubleValue } == [180, 2745, 28800])
        #expect(times.map { $0["par_s"]?.doubleValue } == [300, 2700, 28800])
        #expect(times.first?["at"]?.stringValue.flatMap(Instant.parseISO8601) == Self.time("00:13"))
        let paths = try #require(json["misleading_paths"]?.arrayValue)
        #expect(paths.first?["sooner_by_s"]?.doubleValue == 180)
        #expect(paths.first?["spent_s"]?.doubleValue == 300)
        #expect(paths.last?["ruled_out_at"] == .null)
        #expect(paths.last?["sooner_by_s"] == .null)
        #expect(json["fix"]?["command"]?.stringValue == "lb rollback 1")
        #expect(json["other_hypotheses"]?.arrayValue?.first?["id"]?.stringValue == "H2")
        #expect(json["people"]?.arrayValue?.first?["logins"] == ["chloe"])
        #expect(json["findings"]?.arrayValue == ["the misleading path 'database' (raised 00:25Z) was never ruled out"])
        #expect(json["scenario"]?.stringValue == "tiny")
    }

    @Test func htmlHasTheChartAndEscapesWhatTheTeamTyped() throws {
        let hostile = "<script>alert(1)</script> & \"quoted\""
        let html = try Self.rendered(.html, hypothesis: hostile)
        #expect(html.contains("<svg class=\"chart\""))
        #expect(html.contains("</svg>"))
        // A circle per par and per time the team marked, and a bar per path raised.
        #expect(html.components(separatedBy: "fill=\"#2b7a3d\"").count - 1 == 3)
        #expect(html.components(separatedBy: "fill=\"#1f5fa8\"").count - 1 == 3)
        #expect(html.components(separatedBy: "fill=\"#c0392b\"").count - 1 == 2)
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("Compiled from t.jsonl ("))
    }
}
