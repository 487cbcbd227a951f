import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// The shell against a real HAProxy on loopback, driven through the `warroom` binary the way a
/// responder's script drives it: backend `app` with web1 (weight 100), web2 (50) and web3 (50)
/// answering 200, and web4 (100) pointing at a closed port, so DOWN.
///
/// Every change is confirmed by asking HAProxy itself through the fixture's own socket code,
/// not through warroom's client. Serialized: each test runs its own HAProxy, and a loaded
/// two-core machine keeps health checks steadier with one at a time.
@Suite(.serialized) struct HAProxyShellTests {
    // MARK: - Opening

    @Test func startWithARealTargetOpensAWallClockIncidentWithNoPlaybook() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let result = try start(fixture.adminSocket, in: transcripts, script: "lb show\nquit\n")
            #expect(result.status == 0, "\(result.stderr)")
            // Nothing to warn about: HAProxy answered, and no drill playbook was imposed.
            #expect(result.stderr.isEmpty)
            #expect(result.stdout.contains("haproxy:\(fixture.adminSocket) — configuration version 1"))
            let log = try transcript(in: transcripts)
            let open = try #require(log.entries.first)
            #expect(open.kind == .open)
            #expect(open.data["target"] == .string("haproxy:\(fixture.adminSocket)"))
            #expect(open.data["clock"]?["mode"] == "wall")
            #expect(open.data["playbook"] == .null)
            #expect(open.data["scenario"] == .null)
            #expect(open.data["title"] == "Checkout 502s")
            #expect(log.entries.map(\.kind) == [.open, .lb, .command, .pause])
            // Version 1 as read from HAProxy, kept so that `resume` can tell a change made while paused.
            let baseline = log.entries[1]
            #expect(baseline.data["action"] == "baseline" && baseline.data["version"] == 1 && baseline.data["changed"] == false)
            #expect(baseline.data["configuration"]?["servers"]?.arrayValue?.compactMap { $0["weight"]?.intValue } == [100, 50, 50, 100])
        }
    }

    // MARK: - Probes

    @Test func probeHealthShowsTheDeadServerDownAndTheRestUp() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            #expect(try fixture.sendRequests(30) == 30)
            let result = try start(fixture.adminSocket, in: transcripts, script: "probe health --all\n")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("3 up, 0 up but failing checks (UP n/m), 1 down, 0 drain, 0 maint"))
            let rows = table(result.stdout)
            #expect(rows["web1"]?[1] == "UP" && rows["web2"]?[1] == "UP" && rows["web3"]?[1] == "UP", "\(result.stdout)")
            #expect(rows["web4"]?[1] == "DOWN")
            #expect(rows["web4"]?[2] == "L4CON", "the dead server's last check is a refused connection")
            #expect(rows["web1"]?[2] == "L7OK")
            let probe = try #require(try transcript(in: transcripts).entries.first { $0.kind == .probe })
            #expect(probe.data["probe"] == "health")
            #expect(probe.data["metrics"]?["backends_up"] == .int(3))
            #expect(probe.data["metrics"]?["backends_down"] == .int(1))
            #expect(probe.input == "probe health --all")
        }
    }

    /// Opening at 3 am against an HAProxy someone changed by hand: the live settings that
    /// differ from its configuration file are said at open and kept with the baseline.
    @Test func liveSettingsThatDifferFromTheFileAreSaidAtOpen() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            _ = try fixture.ask("set server app/web2 weight 10")
            _ = try fixture.ask("set server app/web3 state drain")
            let result = try start(fixture.adminSocket, in: transcripts, script: "note looking\n")
            #expect(result.status == 0, "\(result.stderr)")
            let output = result.stdout + result.stderr
            #expect(output.contains("At open, live settings differ from HAProxy's configuration file: web2 weight 10 (the file says 50); web3 draining, set at run time."), "\(output)")
            #expect(!output.contains("web1 weight"))
            let baseline = try #require(try transcript(in: transcripts).entries.first { $0.kind == .lb })
            #expect(baseline.data["differs_from_file"] == .array(["web2 weight 10 (the file says 50)", "web3 draining, set at run time"]))
        }
    }

    /// HAProxy's own life is on the record: a reload (a new process) is an entry and a notice,
    /// and "since start" says since when.
    @Test func aReloadOfHAProxyIsRecordedAndSaid() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let shell = try liveShell(fixture, transcripts, first: "probe health", until: "Health at")
            let before = fixture.pid
            try fixture.reload()
            let output = try finish(shell, typing: "probe backend web1")
            #expect(output.contains("HAProxy restarted or reloaded: pid \(before) → \(fixture.pid)"), "\(output)")
            #expect(output.contains("since HAProxy started ("), "\(output)")
            let restarts = try transcript(in: transcripts).entries.filter { $0.kind == .lb && $0.data["action"] == "restart" }
            #expect(restarts.count == 1)
            #expect(restarts.first?.data["pid"] == .int(Int(fixture.pid)))
        }
    }

    /// While HAProxy does not answer, `lb history` and `probe config` answer from the record;
    /// once it is back, a window spanning the hole says so, and how long.
    @Test func whileHAProxyIsAwayTheRecordAnswersAndAWindowSaysWhereItHasAHole() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let shell = try liveShell(fixture, transcripts, first: "lb weight web2 40", until: "configuration version 2")
            kill(fixture.pid, SIGSTOP)
            usleep(1_000_000)
            try shell.send(Array("lb history\nprobe config\n".utf8))
            let began = Date()
            while shell.stdout.text.components(separatedBy: "cannot be read now").count < 3, Date().timeIntervalSince(began) < 15 { usleep(50_000) }
            usleep(6_000_000)
            kill(fixture.pid, SIGCONT)
            usleep(2_500_000)
            let output = try finish(shell, typing: "probe errors")
            #expect(output.contains("cannot be read now (no answer from"), "\(output)")
            #expect(output.contains(": the versions as recorded; a change made since the last read is not seen until it is back"), "\(output)")
            #expect(output.contains("v2") && output.contains("weight 50 → 40 on web2"), "\(output)")
            #expect(output.contains(": the configuration as recorded"), "\(output)")
            let hole = try #require(output.range(of: #"the load balancer could not be read for \d+s of it \(\d\d:\d\d:\d\dZ–\d\d:\d\d:\d\dZ\)"#, options: .regularExpression),
                                    "\(output)")
            print(String(output[hole]))
        }
    }

    /// A server's address is part of the configuration: changed outside warroom it is a
    /// version of its own, and a bare `lb rollback` undoes that change — only that one — and
    /// puts the address back.
    @Test func anAddressChangedOutsideIsSeenAndABareRollbackUndoesJustThatChange() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let web2 = fixture.servers[1].port
            let web3 = fixture.servers[2].port
            let shell = try liveShell(fixture, transcripts, first: "lb weight web2 40", until: "configuration version 2")
            _ = try fixture.ask("set server app/web2 addr 127.0.0.1 port \(web3)")
            let output = try finish(shell, typing: "lb history\nlb rollback")
            #expect(output.contains("address web2: 127.0.0.1:\(web2) → 127.0.0.1:\(web3)"), "\(output)")
            #expect(output.contains("rollback to version 2, the version before the most recent change (v3 by haproxy)"), "\(output)")
            // HAProxy itself: the address is back, the responder's weight stands.
            let state = try fixture.ask("show servers state app")
            let row = try #require(state.split(separator: "\n").first { $0.split(separator: " ").dropFirst(3).first == "web2" }, "\(state)")
            #expect(row.contains(" 127.0.0.1 ") && row.split(separator: " ").contains(Substring(String(web2))), "\(row)")
            #expect(try fixture.stat("weight", server: "web2") == "40")
        }
    }

    /// HAProxy's `downtime` goes back (to 0) when a server comes out of MAINT: over a window
    /// holding that, DOWNTIME is what the server spent down in the window, never a wrapped
    /// 32-bit difference (it read `1193046h 28m`).
    @Test func downtimeThatGoesBackIsNotReadAsAWrappedCounter() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let shell = try WarRoomBinary.start(startArguments(fixture.adminSocket, transcripts))
            // The sampler reads every second: let it see web4 down, then in MAINT, then out of it.
            usleep(2_500_000)
            let before = Int(try fixture.stat("downtime", server: "web4")) ?? -1
            _ = try fixture.ask("disable server app/web4")
            usleep(2_000_000)
            _ = try fixture.ask("enable server app/web4")
            usleep(2_000_000)
            let after = Int(try fixture.stat("downtime", server: "web4")) ?? -1
            try shell.send(Array("probe health --all --window 1m\nquit\n".utf8))
            shell.closeInput()
            let ended = shell.wait(seconds: 30)
            #expect(ended.status == 0, "\(shell.stderr.text)")
            let cells = try #require(table(shell.stdout.text)["web4"], "\(shell.stdout.text)")
            // DOWNTIME is the trailing cells with a unit (`1193046h 28m`, `6s`), after the counts.
            let downtime = cells.reversed().prefix { $0.contains(where: \.isLetter) }.reversed().joined(separator: " ")
            #expect(!downtime.contains("h"), "web4's DOWNTIME over a minute reads \(downtime) (HAProxy's own: \(before) s, then \(after) s)")
            #expect(downtime.hasSuffix("s") && (Int(downtime.dropLast()) ?? -1) <= 60, "\(downtime)")
            print("downtime: HAProxy said \(before) s before MAINT and \(after) s after; the probe read \(downtime) over 1m")
        }
    }

    /// HAProxy stopped (SIGSTOP: the socket accepts, nothing answers): a command waits once,
    /// for the stated timeout, not once per question it would have asked.
    @Test func aSilentHAProxyCostsOneBoundedWaitPerCommand() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let shell = try liveShell(fixture, transcripts, first: "probe health", until: "Health at")
            kill(fixture.pid, SIGSTOP)
            defer { kill(fixture.pid, SIGCONT) }
            // Past the sampler's last good reading, so every question meets the silence.
            usleep(1_500_000)
            var seconds: [Double] = []
            for command in ["probe health", "probe distribution", "lb show"] {
                let before = shell.stderr.text.count + shell.stdout.text.count
                let began = Date()
                try shell.send(Array("\(command)\n".utf8))
                while shell.stderr.text.count + shell.stdout.text.count == before, Date().timeIntervalSince(began) < 30 { usleep(20_000) }
                usleep(100_000)
                seconds.append(Date().timeIntervalSince(began))
            }
            kill(fixture.pid, SIGCONT)
            shell.closeInput()
            _ = shell.wait(seconds: 30)
            print("silent HAProxy: \(seconds.map { String(format: "%.2f s", $0) }.joined(separator: ", "))")
            // The default timeout is 2 s: one wait, and a little for the rest.
            #expect(seconds.allSatisfy { $0 < 3 }, "\(seconds) \(shell.stderr.text)")
            #expect(shell.stderr.text.contains("no answer from") || shell.stderr.text.contains("did not answer"), "\(shell.stderr.text)")
        }
    }

    @Test func probeDistributionSharesAreOverTheWindowAndFollowTheWeights() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let shell = try RunningShell(startArguments(fixture.adminSocket, transcripts))
            try shell.send("probe distribution")
            try #require(shell.waitForOutput("skew", times: 1), "\(shell.stderr.text)")
            #expect(try fixture.sendRequests(200) == 200)
            try shell.send("probe distribution")
            try #require(shell.waitForOutput("skew", times: 2), "\(shell.stderr.text)")
            try shell.send("lb weight web2 150")
            try #require(shell.waitForOutput("configuration version 2", times: 1), "\(shell.stderr.text)")
            try shell.send("probe distribution")
            try #require(shell.waitForOutput("skew", times: 3), "\(shell.stderr.text)")
            #expect(try fixture.sendRequests(300) == 300)
            try shell.send("probe distribution")
            try #require(shell.waitForOutput("skew", times: 4), "\(shell.stderr.text)")
            let result = shell.finish()
            #expect(result.status == 0, "\(result.stderr)")

            let blocks = result.stdout.components(separatedBy: "Distribution ").dropFirst().map { $0 }
            try #require(blocks.count == 4, "\(result.stdout)")
            // The window reaches back over the whole session (it began seconds ago), and says so.
            #expect(blocks[1].hasPrefix("over "), "\(blocks[1])")
            #expect(blocks[1].contains("of the 60s window"), "\(blocks[1])")
            // 100:50:50 and a DOWN server, over the 200 requests sent so far.
            #expect(isClose(shares(blocks[1]), to: ["web1": 50, "web2": 25, "web3": 25, "web4": 0]), "\(blocks[1])")
            // After lb weight web2 150 and 300 more: the window holds both, 100+100 : 50+150 : 50+50 of 500.
            #expect(isClose(shares(blocks[3]), to: ["web1": 40, "web2": 40, "web3": 20, "web4": 0]), "\(blocks[3])")

            let probes = try transcript(in: transcripts).entries.filter { $0.kind == .probe }
            #expect(probes.count == 4)
            #expect(probes.allSatisfy { $0.data["probe"] == "distribution" })
            // The largest share over the fair share of the three servers in rotation: 50% × 3.
            let skews = probes.compactMap { $0.data["metrics"]?["skew"]?.doubleValue }
            #expect(skews.count == 4)
            #expect(abs(skews[1] - 1.5) < 0.08 && abs(skews[3] - 1.2) < 0.08, "\(skews)")
        }
    }

    @Test func probesHAProxyCannotAnswerSaySoAndDoNotFailTheScript() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let result = try start(fixture.adminSocket, in: transcripts, script: "probe db\nprobe network\nprobe latency\nprobe health\n")
            #expect(result.status == 0, "a probe HAProxy cannot answer is not a failure: \(result.stderr)")
            #expect(result.stderr.isEmpty)
            let label = "haproxy:\(fixture.adminSocket)"
            #expect(result.stdout.contains("probe db: not available from \(label): it cannot provide database and network figures"))
            #expect(result.stdout.contains("check it with its own monitoring or a shell command"))
            #expect(result.stdout.contains("probe network: not available from \(label)"))
            // Latency: HAProxy's own averages, the backend first, then each server.
            #expect(result.stdout.contains("HAProxy's averages over the last 1024 requests"))
            #expect(result.stdout.contains("app (backend)"))
            #expect(result.stdout.contains("3 up, 0 up but failing checks (UP n/m), 1 down"))
            let probes = try transcript(in: transcripts).entries.filter { $0.kind == .probe }
            #expect(probes.map { $0.data["probe"]?.stringValue } == ["db", "network", "latency", "health"])
            #expect(probes[0].data["available"] == false && probes[0].data["unavailable"] == ["latency_ms", "error_rate"])
            #expect(probes[1].data["unavailable"] == ["rtt_ms", "loss"])
            #expect(probes[2].data["unavailable"] == ["p50_ms", "p99_ms"] && probes[2].data["metrics"]?["total_ms"] != nil)
            // What a request waited is told apart from the session's length (keep-alive idle included).
            let latency = try #require(probes[2].data["metrics"]?.objectValue)
            let parts = ["queue_ms", "connect_ms", "response_ms"].compactMap { latency[$0]?.doubleValue }.reduce(0, +)
            #expect(latency["waited_ms"]?.doubleValue == parts, "\(latency)")
            #expect(result.stdout.contains("WAITED") && result.stdout.contains("SESSION is ttime, the whole session including keep-alive idle time"))
            #expect(try transcript(in: transcripts).entries.filter { $0.kind == .error }.isEmpty)
        }
    }

    // MARK: - Changes

    @Test func lbWeightDrainAndEnableReachHAProxyAndAreRecordedAsVersions() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let shell = try RunningShell(startArguments(fixture.adminSocket, transcripts))
            try shell.send("lb weight web2 10")
            try #require(shell.waitForOutput("configuration version 2", times: 1), "\(shell.stderr.text)")
            #expect(try fixture.ask("get weight app/web2") == "10 (initial 50)\n\n")
            try shell.send("lb drain web3")
            try #require(shell.waitForOutput("configuration version 3", times: 1), "\(shell.stderr.text)")
            #expect(try fixture.stat("status", server: "web3") == "DRAIN")
            #expect(try adminState(fixture, "web3") == 8, "forced drain")
            try shell.send("lb enable web3")
            try #require(shell.waitForOutput("configuration version 4", times: 1), "\(shell.stderr.text)")
            #expect(try fixture.stat("status", server: "web3") == "UP")
            #expect(try adminState(fixture, "web3") == 0)
            let result = shell.finish()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("configuration version 2 by tester at ") && result.stdout.contains("  weight web2: 50 → 10"))

            let changes = try transcript(in: transcripts).entries.filter { $0.kind == .lb && $0.data["changed"] == true }
            #expect(changes.map { $0.data["version"]?.intValue } == [2, 3, 4])
            #expect(changes.map { $0.data["from_version"]?.intValue } == [1, 2, 3])
            #expect(changes.map { $0.data["action"]?.stringValue } == ["weight", "drain", "enable"])
            #expect(changes.map { $0.data["changes"] } == [["weight web2: 50 → 10"], ["state web3: ready → drain"], ["state web3: drain → ready"]])
            #expect(changes.map(\.by) == ["tester", "tester", "tester"])
            #expect(changes.map(\.input) == ["lb weight web2 10", "lb drain web3", "lb enable web3"])
        }
    }

    @Test func lbHistoryDiffAndRollbackRestoreAnEarlierVersionOnHAProxy() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let shell = try RunningShell(startArguments(fixture.adminSocket, transcripts))
            // A drain on top of weight 0: HAProxy shows both as `DRAIN`, weight 0; only the
            // administrative state tells them apart, and the rollback must lift the drain too.
            for (line, version) in [("lb weight web1 0", 2), ("lb drain web1", 3), ("lb weight web2 200", 4)] {
                try shell.send(line)
                try #require(shell.waitForOutput("configuration version \(version)", times: 1), "\(shell.stderr.text)")
            }
            #expect(try fixture.ask("get weight app/web1") == "0 (initial 100)\n\n")
            #expect(try adminState(fixture, "web1") == 8)
            #expect(try fixture.ask("get weight app/web2") == "200 (initial 50)\n\n")
            try shell.send("lb history")
            try shell.send("lb diff 1")
            try shell.send("lb rollback 1")
            try #require(shell.waitForOutput("configuration version 5", times: 1), "\(shell.stderr.text)")
            #expect(try fixture.ask("get weight app/web1") == "100 (initial 100)\n\n")
            #expect(try fixture.ask("get weight app/web2") == "50 (initial 50)\n\n")
            #expect(try adminState(fixture, "web1") == 0)
            #expect(try fixture.stat("status", server: "web1") == "UP")
            try shell.send("lb history")
            let result = shell.finish()
            #expect(result.status == 0, "\(result.stderr)")

            let histories = result.stdout.components(separatedBy: "VERSION  AT").dropFirst().map { $0 }
            try #require(histories.count == 2, "\(result.stdout)")
            #expect(table(histories[0]).keys.sorted() == ["v1", "v2", "v3", "v4"])
            #expect(histories[0].contains("state web1: ready → drain"))
            #expect(table(histories[1])["v5"]?[2] == "tester")
            #expect(result.stdout.contains("v1 → v4:\n  weight web1: 100 → 0\n  state web1: ready → drain\n  weight web2: 50 → 200\n"))
            #expect(result.stdout.contains("configuration version 5 by tester at "))
            #expect(result.stdout.contains(": rollback to version 1\n"))

            let rollback = try #require(try transcript(in: transcripts).entries.last { $0.kind == .lb })
            #expect(rollback.data["action"] == "rollback")
            #expect(rollback.data["value"] == .int(1))
            #expect(rollback.data["version"] == .int(5))
            #expect(rollback.data["from_version"] == .int(4))
            #expect(rollback.data["changes"] == ["weight web1: 0 → 100", "state web1: drain → ready", "weight web2: 200 → 50"])
        }
    }

    @Test func aUserLevelSocketProbesButItsLbChangesAreRefused() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let result = try start(fixture.userSocket, in: transcripts, script: "probe health\nprobe distribution\nlb weight web1 10\nlb drain web2\n")
            #expect(result.status == 1)
            #expect(result.stdout.contains("3 up, 0 up but failing checks (UP n/m), 1 down"))
            #expect(result.stdout.contains("Distribution over "))
            let refusal = "the socket's level is too low; lb changes need a stats socket at `level admin`"
            #expect(result.stderr.split(separator: "\n").map(String.init) == [
                "line 3: error: HAProxy at \(fixture.userSocket) refused 'set server app/web1 weight 10': Permission denied, \(refusal)",
                "line 4: error: HAProxy at \(fixture.userSocket) refused 'set server app/web2 state drain': Permission denied, \(refusal)",
            ])
            #expect(try fixture.ask("get weight app/web1") == "100 (initial 100)\n\n")
            #expect(try adminState(fixture, "web2") == 0)
            let log = try transcript(in: transcripts)
            #expect(!log.entries.contains { $0.kind == .lb && $0.data["changed"] == true }, "a refused change is not a configuration version")
            #expect(log.entries.filter { $0.kind == .error }.count == 2)
        }
    }

    // MARK: - Resume

    @Test func resumeReconnectsAndContinuesTheVersionHistory() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let first = try start(fixture.adminSocket, in: transcripts, script: "lb weight web2 10\nquit\n")
            #expect(first.status == 0, "\(first.stderr)")
            // Someone changes HAProxy by hand while the incident is paused.
            #expect(try fixture.ask("set server app/web3 weight 7") == "\n")
            let path = try #require(transcripts.files.first)
            let resumed = try WarRoomBinary.run(["resume", path], input: "probe health\nlb history\nlb rollback 1\nlb weight web1 60\n")
            #expect(resumed.status == 0, "\(resumed.stderr)")
            // Found on resume, before any command, and said on stderr with the other notices.
            #expect(resumed.stderr.contains("configuration version 3 by haproxy: changed outside warroom, seen at "), "\(resumed.stderr)")
            #expect(resumed.stdout.contains("3 up, 0 up but failing checks (UP n/m), 1 down"))
            let history = table(resumed.stdout.components(separatedBy: "VERSION  AT").last ?? "")
            #expect(history.keys.sorted() == ["v1", "v2", "v3"], "\(resumed.stdout)")
            #expect(history["v2"]?[2] == "tester" && history["v3"]?[2] == "haproxy")
            // Rollback to the configuration at the start of the incident, not at resume.
            #expect(resumed.stdout.contains("configuration version 4 by tester"))
            #expect(try fixture.ask("get weight app/web2") == "50 (initial 50)\n\n")
            #expect(try fixture.ask("get weight app/web3") == "50 (initial 50)\n\n")
            #expect(try fixture.ask("get weight app/web1") == "60 (initial 100)\n\n")

            let log = try TranscriptLog.read(path: path)
            let changes = log.entries.filter { $0.kind == .lb && $0.data["changed"] == true }
            #expect(changes.map { $0.data["version"]?.intValue } == [2, 3, 4, 5], "each version number once, in order")
            #expect(changes[1].data["source"] == "target" && changes[1].data["changes"] == ["weight web3: 50 → 7"])
            // Recorded at resume, before the resume entry and the first command.
            let kinds = log.entries.map(\.kind)
            let found = try #require(log.entries.firstIndex { $0.data["action"] == "outside-change" })
            #expect(kinds[found + 1] == .resume)
            #expect(changes[1].data["unchanged_at"] != nil && changes[1].data["seen_at"] != nil)
            #expect(changes[2].data["changes"] == ["weight web2: 10 → 50", "weight web3: 7 → 50"])
            #expect(try WarRoomBinary.run(["verify", path]).status == 0)
        }
    }

    @Test func aChangeWhilePausedIsFoundOnResumeEvenWithNoChangeRecordedBefore() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run { fixture in
            let first = try start(fixture.adminSocket, in: transcripts, script: "probe health\nquit\n")
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try fixture.ask("set server app/web2 state drain") == "\n")
            let path = try #require(transcripts.files.first)
            let resumed = try WarRoomBinary.run(["resume", path], input: "lb history\nlb diff\n")
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stderr.contains("configuration version 2 by haproxy: changed outside warroom"), "\(resumed.stderr)")
            #expect(resumed.stdout.contains("v1 → v2:\n  state web2: ready → drain"), "\(resumed.stdout)")
            let change = try #require(try TranscriptLog.read(path: path).entries.first { $0.data["action"] == "outside-change" })
            #expect(change.data["from_version"] == 1 && change.data["lastchg"]?["web2"] != nil)
        }
    }

    @Test func resumeWhileHAProxyIsDownOpensAndSaysSo() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        var socket = ""
        try HAProxyFixture.run { fixture in
            socket = fixture.adminSocket
            let first = try start(fixture.adminSocket, in: transcripts, script: "lb weight web2 10\n")
            #expect(first.status == 0, "\(first.stderr)")
        }
        // HAProxy is stopped and its folder gone: the socket no longer exists.
        let path = try #require(transcripts.files.first)
        let resumed = try WarRoomBinary.run(["resume", path], input: "note LB host rebooting\nprobe health\n")
        #expect(resumed.status == 1)
        let missing = "no HAProxy socket at \(socket)"
        let lines = resumed.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(resumed.stderr)")
        #expect(lines.first?.hasPrefix("haproxy:\(socket) cannot be reached: \(missing)") == true, "\(resumed.stderr)")
        #expect(lines.last?.hasPrefix("line 2: error: \(missing)") == true)
        #expect(resumed.stdout.contains("noted"))
    }

    // MARK: - Unreachable or malformed targets

    @Test func theSessionOpensWhenTheSocketDoesNotExist() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        let socket = transcripts.file("no-haproxy-here.sock")
        let result = try start(socket, in: transcripts, script: "note paged for checkout 502s\nprobe health\nlb weight web1 10\nnote still recording\n")
        #expect(result.status == 1, "a command failed")
        let missing = "no HAProxy socket at \(socket): HAProxy is not running there or its `stats socket` line names another path; start HAProxy or fix the path"
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(result.stderr)")
        #expect(lines.first?.hasPrefix("haproxy:\(socket) cannot be read yet: \(missing)") == true, "\(result.stderr)")
        #expect(Array(lines.dropFirst()) == ["line 2: error: \(missing)", "line 3: error: \(missing)"])
        #expect(result.stdout == "noted (#2)\nnoted (#5)\n")
        let log = try transcript(in: transcripts)
        #expect(log.entries.map(\.kind) == [.open, .note, .error, .error, .note, .pause])
        #expect(log.entries[0].data["target"] == .string("haproxy:\(socket)"))
    }

    @Test(arguments: [
        (["--target", "haproxy:"], "invalid HAProxy target 'haproxy:'"),
        (["--target", "haproxy:lb1:http"], "invalid HAProxy target 'haproxy:lb1:http'"),
        (["--target", "haproxy:/run/haproxy.sock,backnd=app"], "invalid HAProxy target 'haproxy:/run/haproxy.sock,backnd=app'"),
        (["--target", "haproxy:/run/haproxy.sock", "--clock", "virtual"], "a real load balancer runs on real time"),
        (["--target", "haproxy:/run/haproxy.sock", "--scenario", "lb-misconfig-2023-11-05"], "a scenario drives the simulation"),
    ])
    func aMalformedTargetExits64WithOneLine(arguments: [String], message: String) throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        let result = try WarRoomBinary.run(["start", "--title", "T", "--transcripts", transcripts.path] + arguments, input: "note x\n", directory: repositoryRoot)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("warroom: error: \(message)"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stdout.isEmpty)
        #expect(transcripts.files.isEmpty, "no incident was opened")
    }

    // MARK: - Helpers

    /// Types `lines` and `quit` into a live shell, waits for it to end (within 30 s), expects
    /// it to end well, and returns everything it printed on stdout.
    func finish(_ shell: ChildProcess, typing lines: String) throws -> String {
        try shell.send(Array("\(lines)\nquit\n".utf8))
        shell.closeInput()
        #expect(shell.wait(seconds: 30).status == 0, "\(shell.stderr.text)")
        return shell.stdout.text
    }

    /// A shell left running on `fixture`'s HAProxy, once `first` has printed `marker` (within
    /// 30 s): what a test then does to HAProxy falls between the shell's commands.
    func liveShell(_ fixture: HAProxyFixture, _ transcripts: TemporaryFolder, first: String, until marker: String) throws -> ChildProcess {
        let shell = try WarRoomBinary.start(startArguments(fixture.adminSocket, transcripts))
        try shell.send(Array("\(first)\n".utf8))
        let began = Date()
        while !shell.stdout.text.contains(marker), shell.stderr.text.isEmpty, Date().timeIntervalSince(began) < 30 { usleep(20_000) }
        try #require(shell.stdout.text.contains(marker), "'\(first)' did not print '\(marker)': \(shell.stderr.text)")
        return shell
    }

    func startArguments(_ socket: String, _ transcripts: TemporaryFolder) -> [String] {
        ["start", "--target", "haproxy:\(socket)", "--title", "Checkout 502s", "--transcripts", transcripts.path]
    }

    func start(_ socket: String, in transcripts: TemporaryFolder, script: String) throws -> ProcessResult {
        try WarRoomBinary.run(startArguments(socket, transcripts), input: script)
    }

    func transcript(in folder: TemporaryFolder) throws -> TranscriptLog {
        try TranscriptLog.read(path: try #require(folder.files.first))
    }

    /// Rows of the aligned tables in `text`, by their first cell.
    func table(_ text: String) -> [String: [String]] {
        var rows: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            let cells = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if let first = cells.first, first.hasPrefix("web") || first.hasPrefix("v") && Int(first.dropFirst()) != nil { rows[first] = cells }
        }
        return rows
    }

    /// Each server's share, in percent, from a `probe distribution` table.
    func shares(_ text: String) -> [String: Double] {
        table(text).compactMapValues { cells in cells.count > 2 && cells[2].hasSuffix("%") ? Double(cells[2].dropLast()) : nil }
    }

    /// Within 2.5 points of the expected shares: HAProxy's round-robin starts wherever it stopped.
    func isClose(_ shares: [String: Double], to expected: [String: Double]) -> Bool {
        shares.keys.sorted() == expected.keys.sorted() && expected.allSatisfy { abs((shares[$0.key] ?? -100) - $0.value) <= 2.5 }
    }

    /// A server's `srv_admin_state` flags, asked of HAProxy directly: 8 is a forced drain, 1 a forced maintenance.
    func adminState(_ fixture: HAProxyFixture, _ server: String) throws -> Int {
        let lines = try fixture.ask("show servers state \(fixture.backend)").split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let header = try #require(lines.first { $0.first == "#" }).dropFirst()
        let column = try #require(header.firstIndex(of: "srv_admin_state")) - 1
        let row = try #require(lines.first { $0.count > column && $0.count > 3 && $0[3] == server })
        return try #require(Int(row[column]))
    }
}

extension TemporaryFolder {
    /// The transcripts written into this folder.
    var files: [String] { transcripts(in: path) }
}

/// A `warroom` process fed one line at a time, for tests that must act between two commands
/// (send traffic, ask HAProxy) and wait for each answer.
final class RunningShell {
    private let child: ChildProcess
    var stderr: StreamText { child.stderr }

    init(_ arguments: [String]) throws {
        child = try WarRoomBinary.start(arguments)
    }

    /// Sends one line to the shell.
    func send(_ line: String) throws {
        try child.send(Array((line + "\n").utf8))
    }

    /// Waits until stdout holds `text` at least `times` times; false after a minute, or when
    /// the shell ended first. Generous, for a loaded machine: it returns as soon as the text is there.
    func waitForOutput(_ text: String, times: Int) -> Bool {
        child.stdout.wait(seconds: 60) { $0.components(separatedBy: text).count - 1 >= times }
    }

    /// Ends the script (end of input) and waits for the shell to exit.
    func finish() -> (stdout: String, stderr: String, status: Int32) {
        let ended = child.wait(seconds: 60)
        return (child.stdout.text, child.stderr.text, ended.timedOut ? -1 : ended.status)
    }
}
