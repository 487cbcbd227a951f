import Foundation
import Testing
import WarRoomTestSupport
import WarRoomKit

/// Guided drills through the real binary: the bundled playbooks on their scenarios, driven by
/// piped scripts on a virtual clock at speed 0, checked in the transcript.
@Suite struct DrillEndToEndTests {
    struct Drill {
        let folder: TemporaryFolder
        let result: ProcessResult
        let entries: [TranscriptEntry]
        let path: String

        func steps(_ status: String) -> [String] {
            entries.filter { $0.kind == .step && $0.data["status"]?.stringValue == status }.compactMap { $0.data["step"]?.stringValue }
        }

        func timers(_ kind: String) -> [String] {
            entries.filter { $0.kind == .timer && $0.data["timer"]?.stringValue == kind }.map { $0.at.clockSeconds }
        }

        func check(of step: String) -> Bool? {
            entries.last { $0.kind == .step && $0.data["step"]?.stringValue == step && $0.data["check"] != nil }?
                .data["check"]?["passed"]?.boolValue
        }
    }

    static func drill(_ arguments: [String], _ script: String) throws -> Drill {
        let folder = try TemporaryFolder()
        let result = try WarRoomBinary.run(["start", "--clock", "virtual", "--speed", "0", "--as", "alice", "--transcripts", folder.path] + arguments,
                                           input: script)
        let path = try #require(transcripts(in: folder.path).first, "no transcript; stderr: \(result.stderr)")
        return Drill(folder: folder, result: result, entries: try TranscriptLog.read(path: path).entries, path: path)
    }

    static let lbScript = """
        advance 16m
        mark detected
        done
        probe errors
        done
        done
        hyp DDoS from a botnet
        probe traffic
        done
        probe db
        done
        probe network
        done
        probe distribution
        done
        done
        """

    @Test func theDefaultDrillIsTheLoadBalancerPlaybookOnItsScenario() throws {
        let drill = try Self.drill([], "status\nquit\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 0, "\(drill.result.stderr)")
        let open = drill.entries[0].data
        #expect(open["playbook"]?["id"] == "lb-cascading-failure")
        #expect(open["playbook"]?["sha256"]?.stringValue?.count == 64)
        #expect(open["scenario"]?["id"] == "lb-misconfig-2023-11-05")
        #expect(open["scenario"]?["seed"] == .number(20_231_105))
        #expect(open["clock"]?["start"] == "2023-11-05T03:30:00.000Z")
        #expect(drill.result.stdout.contains("step: take-command"))
    }

    @Test func loadBalancerPlaybookTimersEventsChecksAndMilestones() throws {
        let drill = try Self.drill([], Self.lbScript + "\nquit\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 0, "\(drill.result.stderr)")
        // What falls due while `advance 16m` jumps over it is recorded at its own time: the
        // maintenance event at 03:40, monitoring's alert once the error rate held for 5 minutes.
        // The first step's timebox counts from the alert, and acknowledging at once stops it;
        // escalation rules wait for `detected` in a drill.
        #expect(drill.timers("timebox").isEmpty)
        #expect(drill.timers("escalation").isEmpty)
        let event = try #require(drill.entries.first { $0.kind == .lb })
        #expect(event.by == "maintenance-automation")
        #expect(event.at.clockSeconds == "03:40:00Z")
        let alert = try #require(drill.entries.first { $0.kind == .alert })
        #expect(alert.by == "monitoring")
        #expect(alert.at.clockSeconds == "03:45:45Z")
        #expect(alert.data["state"] == "firing")
        #expect(drill.entries.first { $0.kind == .milestone && $0.data["milestone"] == "acknowledged" }?.at.clockSeconds == "03:46:00Z")
        let detected = try #require(drill.entries.first { $0.kind == .milestone && $0.data["milestone"] == "detected" })
        #expect(detected.data["time"] == "2023-11-05T03:45:45.000Z")
        #expect(detected.data["alert"] == "MessagingErrorRate")
        // The misleading paths look normal: the checks that rule them out pass.
        #expect(drill.check(of: "confirm-errors") == true)
        #expect(drill.check(of: "rule-out-ddos") == true)
        #expect(drill.check(of: "rule-out-database") == true)
        #expect(drill.check(of: "rule-out-network") == true)
        #expect(drill.check(of: "read-distribution") == true)
        #expect(drill.steps("done").prefix(3) == ["take-command", "confirm-errors", "size-impact"])
        #expect(drill.steps("current").last == "read-config")
    }

    @Test func resumingMidPlaybookContinuesExactlyWhereItStopped() throws {
        let lines = Self.lbScript.split(separator: "\n").map(String.init)
        let whole = try Self.drill([], lines.joined(separator: "\n") + "\nquit\n")
        defer { whole.folder.cleanUp() }
        let first = try Self.drill([], lines.prefix(6).joined(separator: "\n") + "\nquit\n")
        defer { first.folder.cleanUp() }
        let resumed = try WarRoomBinary.run(["resume", first.path], input: lines.dropFirst(6).joined(separator: "\n") + "\nquit\n")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let after = try TranscriptLog.read(path: first.path).entries
        func path(_ entries: [TranscriptEntry]) -> [String] {
            entries.filter { $0.kind == .step }.map { "\($0.data["step"]?.stringValue ?? "") \($0.data["status"]?.stringValue ?? "") \($0.at.clockSeconds)" }
        }
        #expect(path(after) == path(whole.entries))
        func probes(_ entries: [TranscriptEntry]) -> [String] { entries.filter { $0.kind == .probe }.map(\.text) }
        #expect(probes(after) == probes(whole.entries))
    }

    @Test func ddosPlaybookOnTheMisconfigurationBranchesToNotADDoS() throws {
        let drill = try Self.drill(["--playbook", "ddos-suspected", "--scenario", "lb-misconfig-2023-11-05"],
                                   "advance 15m\nmark detected\ndone\nprobe traffic\ndone\nquit\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 0, "\(drill.result.stderr)")
        #expect(drill.check(of: "measure-traffic") == false)
        #expect(drill.steps("current").last == "not-a-ddos")
    }

    @Test func ddosPlaybookOnARealFloodFindsTheSources() throws {
        let drill = try Self.drill(["--playbook", "ddos-suspected", "--scenario", "ddos-2024-02-14"],
                                   "advance 30m\nmark detected\ndone\nprobe traffic\ndone\nprobe traffic\ndone\nquit\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 0, "\(drill.result.stderr)")
        #expect(drill.check(of: "measure-traffic") == true)
        #expect(drill.check(of: "identify-sources") == true)
        #expect(drill.steps("current").last == "block-at-edge")
    }

    @Test func databasePlaybookOnADatabaseDegradationGoesToTheDatabase() throws {
        let drill = try Self.drill(["--playbook", "database-degradation", "--scenario", "db-degradation"],
                                   "advance 30m\nmark detected\ndone\nprobe db\ndone\nquit\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 0, "\(drill.result.stderr)")
        #expect(drill.check(of: "measure-database") == true)
        #expect(drill.steps("current").last == "database-errors")
        #expect(drill.entries.first { $0.kind == .phase && $0.data["phase"] == "database" } != nil)
    }

    @Test func networkPlaybookOnTheMisconfigurationRulesTheNetworkOut() throws {
        let drill = try Self.drill(["--playbook", "network-latency", "--scenario", "lb-misconfig-2023-11-05"],
                                   "advance 15m\nmark detected\ndone\nprobe network\ndone\ndone\nquit\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 0, "\(drill.result.stderr)")
        #expect(drill.check(of: "measure-network") == false)
        #expect(drill.check(of: "check-loss-anyway") == false)
        #expect(drill.steps("current").last == "not-the-network")
    }

    @Test func genericPlaybookRemindsAboutUpdatesAndEscalatesOnTheIncidentClock() throws {
        let drill = try Self.drill(["--playbook", "generic-incident", "--target", "none"], "mark detected\nadvance 50m\nupdate all hands on it\nadvance 40m\nquit\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 0, "\(drill.result.stderr)")
        let opened = drill.entries[0].at
        func offset(_ clock: String) -> String { clock }
        let escalations = drill.entries.filter { $0.kind == .timer && $0.data["timer"] == "escalation" }.map { ($0.at - opened) / 60_000 }
        #expect(escalations == [15, 45])
        let reminders = drill.entries.filter { $0.kind == .timer && $0.data["timer"] == "status-update" }.map { ($0.at - opened) / 60_000 }
        // Every 30 minutes from detection, then from the last update (posted at +50m).
        #expect(reminders == [30, 80])
    }
}

/// The simulation through the shell: probes, `lb` changes, mistakes, resume and replay.
@Suite struct SimulationShellTests {
    @Test func rollbackBringsReliefWithinMinutesAndReplayIsIdentical() throws {
        let drill = try DrillEndToEndTests.drill([], "advance 15m\nprobe errors\nprobe health\nlb rollback\nadvance 5m\nprobe errors\nquit\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 0, "\(drill.result.stderr)")
        let errors = drill.entries.filter { $0.kind == .probe && $0.data["probe"] == "errors" }.compactMap { $0.data["metrics"]?["error_rate"]?.doubleValue }
        #expect(errors.count == 2)
        #expect(errors[0] > 0.02)
        #expect(errors[1] < 0.01)
        let change = try #require(drill.entries.last { $0.kind == .lb })
        #expect(change.data["version"] == 3)
        #expect(change.by == "alice")
        let replay = try WarRoomBinary.run(["replay", drill.path])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("3 probe outputs match"))
    }

    @Test func replayNamesTheFirstProbeThatDiffers() throws {
        let drill = try DrillEndToEndTests.drill(["--free-form", "--scenario", "lb-misconfig-2023-11-05"],
                                                 "advance 15m\nprobe errors\nprobe traffic\nquit\n")
        defer { drill.folder.cleanUp() }
        // Rewrite the recorded traffic probe as if the simulation had said something else.
        var text = String(decoding: try TranscriptLog.readBytes(path: drill.path), as: UTF8.self)
        text = text.replacingOccurrences(of: "400 distinct client networks", with: "401 distinct client networks")
        try text.write(toFile: drill.path, atomically: false, encoding: .utf8)
        let replay = try WarRoomBinary.run(["replay", drill.path])
        #expect(replay.status == 1)
        #expect(replay.stderr.contains("replay DIFFERS at seq"))
        #expect(replay.stderr.contains("'probe traffic'"))
    }

    @Test func resumeRebuildsTheSimulationIncludingLbChanges() throws {
        let whole = try DrillEndToEndTests.drill(["--free-form", "--scenario", "lb-misconfig-2023-11-05"],
                                                 "advance 12m\nlb weight msg-28 10\nadvance 8m\nprobe distribution\nlb history\nquit\n")
        defer { whole.folder.cleanUp() }
        let split = try DrillEndToEndTests.drill(["--free-form", "--scenario", "lb-misconfig-2023-11-05"], "advance 12m\nlb weight msg-28 10\nquit\n")
        defer { split.folder.cleanUp() }
        let resumed = try WarRoomBinary.run(["resume", split.path], input: "advance 8m\nprobe distribution\nlb history\nquit\n")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let probe = { (entries: [TranscriptEntry]) in entries.last { $0.kind == .probe }?.text }
        #expect(probe(try TranscriptLog.read(path: split.path).entries) == probe(whole.entries))
        #expect(resumed.stdout.contains("v3"))
    }

    @Test(arguments: [
        ("probe helth", "did you mean 'health'"),
        ("probe backend msg-99", "no backend server named 'msg-99'"),
        ("lb weight msg-01 300", "0"),
        ("lb weight msg-1 50", "did you mean 'msg-01'"),
        ("lb rollback 0", "version"),
        ("lb algorithm round-robbin", "did you mean 'round-robin'"),
        ("lb frobnicate", "no lb subcommand 'frobnicate'; use one of show"),
        ("advance -5m", "negative"),
        ("advance 5 minutes", "usage: advance DURATION"),
    ])
    func mistakesGetOneClearLine(line: String, message: String) throws {
        let drill = try DrillEndToEndTests.drill(["--free-form", "--scenario", "lb-misconfig-2023-11-05"], line + "\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 1)
        let errors = drill.result.stderr.split(separator: "\n").filter { $0.contains("error:") }
        #expect(errors.count == 1, "\(drill.result.stderr)")
        #expect(drill.result.stderr.contains(message), "\(drill.result.stderr)")
    }

    @Test func rollbackPastTheFirstVersionIsRefused() throws {
        let drill = try DrillEndToEndTests.drill(["--free-form", "--scenario", "lb-misconfig-2023-11-05"], "lb rollback\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 1)
        #expect(drill.result.stderr.contains("version"))
    }

    @Test func aPoolThatCannotServeItsTrafficIsAllowedButSaidSoAtStart() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let scenario = """
            scenario: too-small
            title: Two small servers for a big crowd
            start: 2024-01-01T00:00:00Z
            seed: 1
            users: 1000
            traffic: { rate: 5000 }
            loadbalancer: { algorithm: round-robin, timeout: 2s, retries: 0, health_check: { interval: 2s, timeout: 1s, rise: 2, fall: 3 } }
            backends:
              - { name: a, capacity: 100, latency: 10ms, weight: 1 }
              - { name: b, capacity: 100, latency: 10ms, weight: 1 }
            """
        try scenario.write(toFile: folder.file("small.yaml"), atomically: true, encoding: .utf8)
        let result = try WarRoomBinary.run(["start", "--free-form", "--scenario", folder.file("small.yaml"), "--speed", "0", "--transcripts", folder.path],
                                           input: "advance 1m\nprobe errors\nquit\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("capacity"))
    }

    @Test func simulateFormatsFollowTheContract() throws {
        let json = try WarRoomBinary.run(["simulate", "lb-misconfig-2023-11-05", "--duration", "30m", "--every", "10m", "--format", "json"],
                                         directory: repositoryRoot)
        #expect(json.status == 0, "\(json.stderr)")
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        let sample = try JSONValue.parse(String(lines[2]))
        for key in ["at", "request_rate", "error_rate", "timeout_rate", "p99_ms", "backends_up", "backends_down", "users_affected", "config_version", "backends"] {
            #expect(sample[key] != nil, "missing \(key)")
        }
        #expect(sample["backends"]?.arrayValue?.first?["share"] != nil)
        let csv = try WarRoomBinary.run(["simulate", "lb-misconfig-2023-11-05", "--duration", "30m", "--every", "10m", "--format", "csv"], directory: repositoryRoot)
        #expect(csv.stdout.hasPrefix("at,request_rate,error_rate,timeout_rate,p99_ms,backends_up,backends_down,users_affected,config_version"))
        let bad = try WarRoomBinary.run(["simulate", "lb-misconfig-2023-11-05", "--duration", "-5m"], directory: repositoryRoot)
        #expect(bad.status == 64)
    }

    @Test func lintCommandsReportPositionsAndExitCodes() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try "playbook: x\ntitel: oops\n".write(toFile: folder.file("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try WarRoomBinary.run(["playbooks", "lint", folder.file("bad.yaml")])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("bad.yaml:2:1: unknown field 'titel'"), "\(bad.stdout)")
        let good = try WarRoomBinary.run(["playbooks", "lint"] + ["lb-cascading-failure", "generic-incident"].map { "\(repositoryRoot)/Playbooks/\($0).yaml" })
        #expect(good.status == 0, "\(good.stdout)")
        let scenarios = try WarRoomBinary.run(["scenarios", "lint", "\(repositoryRoot)/Playbooks/scenarios/retry-storm.yaml", folder.file("bad.yaml")])
        #expect(scenarios.status == 1)
        #expect(scenarios.stdout.contains("bad.yaml:1:1"))
        let empty = folder.file("empty.yaml")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let emptyResult = try WarRoomBinary.run(["scenarios", "lint", empty])
        #expect(emptyResult.stdout.contains("empty.yaml:1:1: the file is empty"))
        let binary = folder.file("binary.yaml")
        _ = FileManager.default.createFile(atPath: binary, contents: Data([0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01]))
        let binaryResult = try WarRoomBinary.run(["playbooks", "lint", binary])
        #expect(binaryResult.status == 1)
        #expect(binaryResult.stdout.contains("binary"))
    }
}

@Suite struct DrillTimerTests {
    @Test func escalationRulesInADrillCountFromDetectionNotFromTheOpening() throws {
        let drill = try DrillEndToEndTests.drill([], "advance 15m\nmark detected --at 03:45Z\nadvance 20m\nquit\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 0, "\(drill.result.stderr)")
        // lb-cascading-failure pages sre-oncall 10 minutes after detection unless acknowledged.
        #expect(drill.timers("escalation").first == "03:55:00Z")
    }

    @Test func aClockTimeLaterThanTheIncidentClockIsRefusedNotMovedToYesterday() throws {
        let drill = try DrillEndToEndTests.drill([], "mark detected --at 03:45Z\nadvance 10m\nmark resolved --at 23:00Z\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 1)
        #expect(drill.result.stderr.contains("line 1: error: --at 03:45Z is in the future"))
        // 23:00 the day before would be before the drill began: it is not taken as yesterday.
        #expect(drill.result.stderr.contains("line 3: error: --at 23:00Z is later today, and the day before is before this drill began (03:30:00Z)"))
        #expect(!drill.entries.contains { $0.kind == .milestone })
    }

    @Test func theFirstAlertStartsTheFirstStepsTimeboxAndDetection() throws {
        let drill = try DrillEndToEndTests.drill([], "advance 10m\nstatus\nadvance 30m\nmark detected\nquit\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 0, "\(drill.result.stderr)")
        // Nothing is wrong at 03:35, so nothing is overdue then; monitoring alerts at 03:45:45,
        // once errors held above 5% for 5 minutes, and the 5-minute timebox counts from there.
        let alert = try #require(drill.entries.first { $0.kind == .alert })
        #expect(alert.at.clockSeconds == "03:45:45Z")
        #expect(alert.data["metric"] == "errors.error_rate")
        #expect(alert.data["since"] == "2023-11-05T03:40:45.000Z")
        #expect(drill.timers("timebox") == ["03:50:45Z"])
        #expect(drill.result.stdout.contains("[03:45Z] Alert MessagingErrorRate firing: errors.error_rate"))
        #expect(drill.entries.first { $0.kind == .milestone }?.data["time"] == "2023-11-05T03:45:45.000Z")
        #expect(drill.result.stdout.contains("detected at 03:45:45Z (backdated), when the alert MessagingErrorRate fired"))
    }

    @Test func milestonesOutOfOrderAreRefusedUnlessForced() throws {
        let script = """
            mark mitigated
            advance 20m
            mark detected
            mark impact-start --at 03:50Z
            mark resolved --at 03:44Z
            mark resolved --at 03:44Z --force dashboards were green by then
            mark impact-start --at 03:25Z
            """
        let drill = try DrillEndToEndTests.drill([], script + "\nquit\n")
        defer { drill.folder.cleanUp() }
        #expect(drill.result.status == 1)
        let errors = drill.result.stderr.split(separator: "\n").map(String.init)
        #expect(errors.contains { $0.hasPrefix("line 1: error: nothing has gone wrong yet in this drill") })
        #expect(errors.contains { $0.hasPrefix("line 4: error: impact-start at 03:50:00Z would come after detected at 03:45:45Z") })
        #expect(errors.contains { $0.hasPrefix("line 5: error: resolved at 03:44:00Z would come before detected at 03:45:45Z; check the time, or add --force") })
        #expect(errors.contains { $0.hasPrefix("line 7: error: impact-start at 03:25:00Z would be before this drill began (03:30:00Z)") })
        let milestones = drill.entries.filter { $0.kind == .milestone }
        #expect(milestones.compactMap { $0.data["milestone"]?.stringValue } == ["detected", "resolved"])
        #expect(milestones.last?.data["forced"] == true)
        #expect(milestones.last?.data["problem"] == "resolved at 03:44:00Z would come before detected at 03:45:45Z")
    }
}
