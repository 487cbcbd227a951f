import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// Small truths a careful reader caught, each through the binary as a user meets it.
@Suite struct TruthRoundTwoTests {
    /// The bundled drill on the virtual clock at speed 0, with `script` piped in; `body` reads
    /// what it printed and what it wrote in the folder.
    func drill(_ script: String, _ body: (ProcessResult, TemporaryFolder) throws -> Void) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try body(try WarRoomBinary.run(["start", "--speed", "0", "--transcripts", folder.path], input: script), folder)
    }

    @Test func anEditedActionItemIsNotNamedTwiceAndAnUpdateJustPostedIsNotZeroMillisecondsAgo() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let run = try WarRoomBinary.run(["start", "--free-form", "--title", "Edits", "--clock", "virtual", "--speed", "0", "--transcripts", folder.path],
                                        input: "action fix it\naction A1 --owner maya\nupdate all good\nstatus\ntimeline\n")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("action  A1: owner none → maya\n"), "\(run.stdout)")
        #expect(!run.stdout.contains("A1: A1:"))
        #expect(run.stdout.contains("(just now)"), "\(run.stdout)")
        #expect(!run.stdout.contains("0ms ago"))
    }

    /// Nobody typed `mark detected`: the escalation rules count from the alert (03:45:45Z), so
    /// the reminders come at 03:55:45Z and 04:15:45Z, not after someone marks detection.
    @Test func escalationRemindersCountFromTheAlertWithNobodyTyping() throws {
        try drill("advance 50m\n") { run, folder in
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("[03:55Z] Escalation rule 1 says: page sre-oncall"), "\(run.stdout)")
            #expect(run.stdout.contains("[04:15Z] Escalation rule 2 says: page reliability-team"), "\(run.stdout)")
            let log = try TranscriptLog.read(path: try #require(transcripts(in: folder.path).first))
            let reminders = log.entries.filter { $0.kind == .timer && $0.data["timer"] == "escalation" }
            #expect(reminders.map { $0.at.clockSeconds } == ["03:55:45Z", "04:15:45Z"])
        }
    }

    /// In a drill, milestones before its trigger are refused; `detected` before the first alert
    /// is taken and said.
    @Test func milestonesBeforeTheDrillsTriggerAreRefused() throws {
        try drill("advance 20m\nmark detected --at 03:38Z\nmark mitigated --at 03:39Z\nmark detected --at 03:43Z\n") { run, folder in
            #expect(run.stderr.contains("line 2: error: detected at 03:38:00Z would be before the drill's trigger (the change maintenance-automation made at 03:40:00Z), when nothing had gone wrong yet"), "\(run.stderr)")
            #expect(run.stderr.contains("line 3: error: mitigated at 03:39:00Z would be before the drill's trigger"), "\(run.stderr)")
            #expect(run.stdout.contains("detected at 03:43:00Z (backdated); note: before the first alert (MessagingErrorRate at 03:45:45Z)"), "\(run.stdout)")
        }
    }

    /// One formatter for a figure: the timeline (and `watch`) and a playbook check print the
    /// percentages the probe printed, not the fractions recorded.
    @Test func timelineAndChecksPrintFiguresAsTheProbeDoes() throws {
        try drill("advance 20m\nmark detected\ndone dana takes command\nprobe errors\ndone\ntimeline\n") { run, folder in
            #expect(run.stdout.contains("probe errors: error_rate=12.5% timeout_rate=4.8% server_error_rate=0.044% connection_error_rate=7.7%"), "\(run.stdout)")
            #expect(run.stdout.contains("Check: errors.error_rate = 12.5% (probe at 03:50:00Z over 03:49:00Z–03:50:00Z), above 2.0%? yes: passed"), "\(run.stdout)")
            #expect(!run.stdout.contains("error_rate=0.1"))
        }
    }

    /// A check after a change judges the time since it, and says which window it judged.
    @Test func aCheckAfterAChangeIsNotJudgedOnAWindowFromBeforeIt() throws {
        try drill("advance 20m\nmark detected\nlb rollback\nprobe errors\ndone verify-relief\nadvance 30s\nprobe errors --window 30s\ndone verify-relief\n") { run, folder in
            #expect(run.stderr.contains("line 5: error: the latest `probe errors` (03:49:00Z–03:50:00Z) is from before the configuration changed at 03:50:00Z (v3), so it cannot say what the change did; step 'verify-relief' is not judged on it. Probe the time since the change (`probe errors --window 10s`, once 10 s have passed), then `done` again"), "\(run.stderr)")
            #expect(run.stdout.contains("Check: errors.error_rate = 0.05% (probe at 03:50:30Z over 03:50:00Z–03:50:30Z), below 1.0%? yes: passed"), "\(run.stdout)")
        }
    }

    /// The postmortem's proof of the fix comes after the fix: a reading whose window began
    /// before the rollback is not its relief.
    @Test func reliefIsReadFromAWindowAfterTheFix() throws {
        try drill("advance 20m\nmark detected\nprobe errors\nlb rollback\nprobe errors\nmark mitigated\nadvance 1m\nprobe errors --window 30s\nmark resolved\nclose done\n") { run, folder in
            #expect(run.status == 0, "\(run.stderr)")
            let transcript = try #require(transcripts(in: folder.path).first)
            let postmortem = try String(contentsOfFile: String(transcript.dropLast(".jsonl".count)) + ".postmortem.md", encoding: .utf8)
            #expect(postmortem.contains("Mitigated: errors 12.5% at 03:50 → 0.05% at 03:51"), "\(postmortem)")
        }
    }

    /// A window the simulation's latency cannot honour is said, not silently dropped.
    @Test func latencyWithAWindowTheSimulationCannotHonourSaysSo() throws {
        try drill("advance 20m\nprobe latency --window 5m\nprobe latency\n") { run, folder in
            #expect(run.stdout.components(separatedBy: "(--window does not apply: sim:lb-misconfig-2023-11-05 gives latency percentiles for the last second only)").count == 2, "\(run.stdout)")
        }
    }

    /// A step whose `run` did not make its change (no --yes in a pipe) is not done silently;
    /// typed by hand afterwards, it is.
    @Test func doneAfterARunThatLeftItsChangeUndoneSaysSo() throws {
        let note = "note: 'run' left 'lb rollback' undone on rollback (not confirmed), and nobody typed it since: the step is recorded done as you said, without it"
        for (script, said) in [("run\ndone\n", true), ("run\nlb rollback\ndone\n", false)] {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let run = try WarRoomBinary.run(["start", "--speed", "0", "--transcripts", folder.path], input: "advance 20m\nmark detected\ngoto rollback\n" + script)
            #expect(run.stdout.contains(note) == said, "\(script): \(run.stdout)")
        }
    }

    /// A reminder that fell due is printed once, not again before every failing line.
    @Test func aDueReminderIsPrintedOnceInAPipedScript() throws {
        try drill("advance 20m\nmark detected\nadvance 40m\nbogus1\nbogus2\nnote x\nbogus3\n") { run, folder in
            for reminder in ["Step take-command is overdue", "Escalation rule 1 says", "Status update due"] {
                #expect((run.stdout + run.stderr).components(separatedBy: reminder).count == 2, "\(reminder): \(run.stdout)")
            }
        }
    }

    @Test func wordsWithoutCheckIsAUsageErrorNotIgnored() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        _ = try WarRoomBinary.run(["start", "--free-form", "--title", "Words", "--clock", "virtual", "--speed", "0", "--transcripts", folder.path], input: "note x\n")
        let transcript = try #require(folder.files.first { $0.hasSuffix(".jsonl") })
        let refused = try WarRoomBinary.run(["postmortem", transcript, "--words", "400-600"])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("--words bounds the body for --check: add --check"), "\(refused.stderr)")
    }

    @Test func anInstalledBinaryFindsItsDrillFromAnyFolder() throws {
        // As scripts/install lays it out: PREFIX/bin/warroom and PREFIX/share/warroom/Playbooks,
        // run by its bare name from the PATH in a folder with no Playbooks of its own.
        let prefix = try TemporaryFolder()
        defer { prefix.cleanUp() }
        let manager = FileManager.default
        try manager.createDirectory(atPath: prefix.file("bin"), withIntermediateDirectories: true)
        try manager.createDirectory(atPath: prefix.file("share/warroom"), withIntermediateDirectories: true)
        try manager.createDirectory(atPath: prefix.file("elsewhere"), withIntermediateDirectories: true)
        try manager.copyItem(atPath: WarRoomBinary.path, toPath: prefix.file("bin/warroom"))
        try manager.copyItem(atPath: "\(repositoryRoot)/Playbooks", toPath: prefix.file("share/warroom/Playbooks"))
        let path = prefix.file("bin") + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try ChildProcess.run("/usr/bin/env", ["PATH=\(path)", "warroom", "start", "--speed", "0", "--transcripts", "."],
                                          environment: WarRoomBinary.environment([:]), directory: prefix.file("elsewhere"), input: Array("quit\n".utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Playbook lb-cascading-failure v1"), "\(result.stdout)")
    }

    @Test func aChangeThatChangesNothingMakesNoVersionAndOmitAndHighlightSayWhatTheyTouched() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let run = try WarRoomBinary.run(["start", "--speed", "0", "--transcripts", folder.path], input: """
            advance 20m
            lb weight msg-01 25
            lb rollback 2
            mark detected --at 03:46
            omit 1 the opening is not news
            highlight 5 the maintenance change

            """)
        #expect(run.status == 0, "\(run.stderr)")
        // No empty version: the load balancer already had those weights.
        #expect(run.stdout.contains("nothing changed: the load balancer has that configuration already; v2 stands"), "\(run.stdout)")
        #expect(run.stdout.contains("nothing changed: rollback to version 2: the load balancer has that configuration already; v2 stands"))
        let log = try TranscriptLog.read(path: try #require(folder.files.first))
        #expect(log.entries.filter { $0.kind == .lb && $0.data["changed"] == true }.compactMap { $0.data["version"]?.intValue } == [2])
        // A time without its Z is read as UTC, and the shell says so.
        #expect(run.stdout.contains("detected at 03:46:00Z (backdated) (03:46 read as UTC: times are UTC, write 03:46Z)"), "\(run.stdout)")
        // omit and highlight echo the entry they touched; omitting the opening warns.
        #expect(run.stdout.contains("  #1 03:30:00Z tester open: Opened SEV-1 incident"), "\(run.stdout)")
        #expect(run.stdout.contains("  warning: #1 is the incident's opening; the timeline will not show when it opened"))
        #expect(run.stdout.contains("  #5 03:40:00Z maintenance-automation lb: configuration version 2"))
        // The scenario's own change does not give the answer away.
        #expect(!run.stdout.contains("wrong set"))
    }

    @Test func aPostmortemToAFolderThatDoesNotExistNamesTheFolderAndTheRemedy() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        _ = try WarRoomBinary.run(["start", "--free-form", "--title", "Output", "--clock", "virtual", "--speed", "0", "--transcripts", folder.path], input: "note x\n")
        let transcript = try #require(folder.files.first { $0.hasSuffix(".jsonl") })
        let refused = try WarRoomBinary.run(["postmortem", transcript, "--output", folder.file("missing/pm.md")])
        #expect(refused.status == 74)
        #expect(refused.stderr.contains("cannot write '\(folder.file("missing/pm.md"))': the folder '\(folder.file("missing"))' does not exist; create it (mkdir -p"), "\(refused.stderr)")
        #expect(!refused.stderr.contains(".tmp"))
    }

    @Test func resumingAFileThatIsNotATranscriptSaysSo() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("notes.jsonl")
        try "{\"a\":1}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let refused = try WarRoomBinary.run(["resume", path])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("is not a warroom transcript: its first line is not warroom's 'open' entry"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("changed after it was written"))
    }
}
