import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// The shell against a real HAProxy under real load: three capacity-limited servers on loopback
/// (two requests at a time, 100 ms each, HAProxy's `maxconn 2` and `timeout queue 200ms`), a
/// bounded load from the test, and changes made outside warroom through the runtime socket.
/// HAProxy's own counters, asked through the fixture's socket code, are the reference.
@Suite(.serialized) struct HAProxyLoadTests {
    static let capacity = HAProxyFixture.Capacity(servers: 3, concurrency: 2, serviceMilliseconds: 100, queueTimeoutMilliseconds: 200)

    // MARK: - HAProxy's own failures, over a fixed window

    @Test func probeErrorsAgreesWithTheFrontendsCountersWhateverProbeRanBefore() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run(capacity: Self.capacity) { fixture in
            let shell = try RunningShell(arguments(fixture, transcripts))
            try shell.send("probe health")
            try #require(shell.waitForOutput("Health at", times: 1), "\(shell.stderr.text)")
            let requestsBefore = try fixture.proxyStat("req_tot", proxy: "web", kind: "FRONTEND")
            let errorsBefore = try fixture.proxyStat("hrsp_5xx", proxy: "web", kind: "FRONTEND")
            // 30 clients against 3 × 2 slots of 100 ms: most wait in HAProxy's queue, many past its 200 ms.
            let load = LoadGenerator.run(port: fixture.frontendPort, concurrency: 30, total: 300)
            let requests = try fixture.proxyStat("req_tot", proxy: "web", kind: "FRONTEND") - requestsBefore
            let failed = try fixture.proxyStat("hrsp_5xx", proxy: "web", kind: "FRONTEND") - errorsBefore
            #expect(requests == 300 && load.total == 300)
            #expect(load.count(503) == failed, "\(load.statuses)")
            let truth = Double(failed) / Double(requests)
            #expect(truth > 0.1 && truth < 0.95, "the load should overload the pool without stopping it: \(truth)")

            // The window reaches back before the load (the session began just before it): every
            // `probe errors` covers all of it, whichever probe ran just before.
            let script = ["probe errors --window 30s", "probe health", "probe errors --window 30s", "probe distribution", "probe errors --window 30s",
                          "lb show", "probe traffic", "probe errors --window 30s", "probe latency", "probe backend web1"]
            for line in script { try shell.send(line) }
            try #require(shell.waitForOutput("Backend web1 at", times: 1), "\(shell.stderr.text)")
            let result = shell.finish()
            #expect(result.status == 0, "\(result.stderr)")

            let entries = try transcript(in: transcripts).entries
            let errorProbes = entries.filter { $0.kind == .probe && $0.data["probe"] == "errors" }
            try #require(errorProbes.count == 4)
            for probe in errorProbes {
                let rate = try #require(probe.data["metrics"]?["error_rate"]?.doubleValue)
                #expect(abs(rate - truth) <= 0.02, "probe errors read \(rate), HAProxy's frontend \(truth)")
                #expect(probe.data["metrics"]?["requests"] == .number(300))
                // The causes add up, and most failures waited out the queue.
                let m = { (name: String) in probe.data["metrics"]?[name]?.doubleValue ?? 0 }
                #expect(abs(m("timeout_rate") + m("server_error_rate") + m("connection_error_rate") + m("no_server_rate") - rate) < 1e-9)
                #expect(m("queue_timeout_rate") > 0.5 * rate, "\(probe.data)")
            }
            let text = result.stdout
            #expect(text.contains("Errors over "))
            #expect(text.contains("frontend web, same window: \(TextFormat.percent(truth)) of 300 requests answered 5xx (req_tot, hrsp_5xx)"), "\(text)")
            #expect(text.contains("  timeouts in the queue"))
            // The queue's timeouts in health and lb show, over the same kind of window.
            #expect(text.contains("timed out in the queue over the window"))
            let health = text.components(separatedBy: "Health at").last ?? ""
            #expect(!health.contains(" · 0 timed out in the queue over the window"), "the second health probe's window holds the load: \(health)")
            // Traffic from the frontend; latency from HAProxy's averages, queue time included.
            #expect(text.contains("(frontend web's requests, req_tot)"))
            let latency = try #require(entries.last { $0.kind == .probe && $0.data["probe"] == "latency" })
            #expect((latency.data["metrics"]?["queue_ms"]?.doubleValue ?? 0) > 0, "\(latency.data)")
            #expect(text.contains("backend queue"))
        }
    }

    @Test func aBackendWithEveryServerDownReadsNearlyAllErrors() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run(capacity: Self.capacity) { fixture in
            let shell = try RunningShell(arguments(fixture, transcripts))
            try shell.send("lb show")
            try #require(shell.waitForOutput("configuration version 1", times: 1), "\(shell.stderr.text)")
            for server in fixture.servers { #expect(try fixture.ask("set server app/\(server.name) state maint") == "\n") }
            let load = LoadGenerator.run(port: fixture.frontendPort, concurrency: 10, total: 200)
            #expect(load.count(503) == 200)
            try shell.send("probe errors --window 30s")
            try #require(shell.waitForOutput("Errors over", times: 1), "\(shell.stderr.text)")
            try shell.send("probe health")
            try #require(shell.waitForOutput("Health at", times: 1), "\(shell.stderr.text)")
            let result = shell.finish()
            #expect(result.status == 0, "\(result.stderr)")
            let probe = try #require(try transcript(in: transcripts).entries.first { $0.kind == .probe })
            let rate = try #require(probe.data["metrics"]?["error_rate"]?.doubleValue)
            #expect(rate > 0.99, "a total outage reads \(rate)")
            #expect(probe.data["metrics"]?["no_server_rate"]?.doubleValue ?? 0 > 0.99, "\(probe.data)")
            #expect(result.stdout.contains("0 up, 0 up but failing checks (UP n/m), 0 down, 0 drain, 3 maint"))
            // The maintenance was made outside warroom: recorded before the probe that found it.
            #expect(result.stdout.contains("configuration version 2 by haproxy: changed outside warroom"))
        }
    }

    // MARK: - Changes made outside warroom

    @Test func aChangeMadeOutsideWarroomIsRecordedAndLbRollbackRestoresIt() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run(capacity: Self.capacity) { fixture in
            let shell = try RunningShell(arguments(fixture, transcripts))
            try shell.send("lb show")
            try #require(shell.waitForOutput("configuration version 1", times: 1), "\(shell.stderr.text)")
            // "Maintenance" through the runtime API, as in the incident: weights and a drain.
            #expect(try fixture.ask("set server app/web1 weight 10") == "\n")
            #expect(try fixture.ask("set server app/web2 weight 10") == "\n")
            #expect(try fixture.ask("set server app/web3 state drain") == "\n")
            // Let the sampler read it, so it can say when it happened.
            Thread.sleep(forTimeInterval: 1.5)
            try shell.send("lb history")
            try #require(shell.waitForOutput("VERSION", times: 1), "\(shell.stderr.text)")
            try shell.send("lb diff")
            try shell.send("probe config")
            try shell.send("lb rollback")
            try #require(shell.waitForOutput("configuration version 3 by tester", times: 1), "\(shell.stderr.text)")
            try shell.send("lb history")
            try #require(shell.waitForOutput("VERSION", times: 2), "\(shell.stderr.text)")
            let result = shell.finish()
            #expect(result.status == 0, "\(result.stderr)")

            // HAProxy is back as it was, confirmed by HAProxy itself.
            #expect(try fixture.ask("get weight app/web1") == "100 (initial 100)\n\n")
            #expect(try fixture.ask("get weight app/web2") == "100 (initial 100)\n\n")
            #expect(try fixture.stat("status", server: "web3") == "UP")

            let text = result.stdout
            #expect(text.contains("configuration version 2 by haproxy: changed outside warroom, seen at "), "\(text)")
            #expect(text.contains("(the sampler's readings)"))
            #expect(text.contains("v1 → v2:\n  weight web1: 100 → 10\n  weight web2: 100 → 10\n  state web3: ready → drain"))
            #expect(text.contains("Configuration version 2, by haproxy at "))
            #expect(text.contains("rollback to version 1, the version before the most recent change (v2 by haproxy)"))
            let histories = text.components(separatedBy: "VERSION  AT").dropFirst().map { $0 }
            #expect(histories.last?.contains("v3  ") == true && histories.last?.contains("tester") == true)

            let changes = try transcript(in: transcripts).entries.filter { $0.kind == .lb && $0.data["changed"] == true }
            try #require(changes.count == 2)
            let found = changes[0]
            #expect(found.by == "haproxy" && found.data["action"] == "outside-change" && found.data["source"] == "target")
            #expect(found.data["changes"] == ["weight web1: 100 → 10", "weight web2: 100 → 10", "state web3: ready → drain"])
            #expect(found.data["diff"]?.arrayValue?.count == 3)
            #expect(found.data["from_configuration"]?["servers"]?.arrayValue?.compactMap { $0["weight"]?.intValue } == [100, 100, 100])
            #expect(found.data["configuration"]?["servers"]?.arrayValue?.compactMap { $0["state"]?.stringValue } == ["ready", "ready", "drain"])
            #expect(found.data["lastchg"]?["web3"]?.intValue != nil, "HAProxy's lastchg for the drained server")
            #expect(found.data["changed_between"]?["web1"]?.arrayValue?.count == 2)
            let happened = try #require(found.data["happened_at"]?.stringValue.flatMap(Instant.parseISO8601))
            #expect(happened <= found.at)
            let rollback = changes[1]
            #expect(rollback.data["action"] == "rollback" && rollback.data["value"] == 1)
            #expect(rollback.data["changes"] == ["weight web1: 10 → 100", "weight web2: 10 → 100", "state web3: drain → ready"])
        }
    }

    @Test func lbRollbackInitialReturnsToHowHAProxyStarted() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run(capacity: Self.capacity) { fixture in
            // The change happened before anyone opened the incident: version 1 is the bad configuration.
            #expect(try fixture.ask("set server app/web2 weight 5") == "\n")
            #expect(try fixture.ask("set server app/web3 state maint") == "\n")
            let result = try WarRoomBinary.run(arguments(fixture, transcripts), input: "lb rollback\nlb rollback initial\nlb history\n")
            #expect(result.status == 1, "the bare rollback has nothing to go back to")
            #expect(result.stderr.contains("line 1: error: nothing to roll back: version 1 is the configuration warroom found at the start; `lb rollback initial`"))
            #expect(result.stdout.contains("rollback to the configuration haproxy:\(fixture.adminSocket) was started with"))
            #expect(try fixture.ask("get weight app/web2") == "100 (initial 100)\n\n")
            #expect(try fixture.stat("status", server: "web3") != "MAINT")
            let rollback = try #require(try transcript(in: transcripts).entries.last { $0.kind == .lb && $0.data["changed"] == true })
            #expect(rollback.data["value"] == "initial")
            #expect(rollback.data["changes"] == ["weight web2: 5 → 100", "state web3: maint → ready"])
        }
    }

    // MARK: - Helpers

    func arguments(_ fixture: HAProxyFixture, _ transcripts: TemporaryFolder) -> [String] {
        ["start", "--target", "haproxy:\(fixture.adminSocket)", "--title", "Messaging errors", "--transcripts", transcripts.path]
    }

    func transcript(in folder: TemporaryFolder) throws -> TranscriptLog {
        try TranscriptLog.read(path: try #require(folder.files.first))
    }
}
