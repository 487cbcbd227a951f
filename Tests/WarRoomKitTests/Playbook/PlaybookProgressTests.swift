import Testing
@testable import WarRoomKit

/// The guided-session engine on a small playbook: moves, checks, milestones, timers, resume.
@Suite struct PlaybookProgressTests {
    static func playbook() throws -> Playbook {
        try PlaybookLoader.load(bytes: Array(PlaybookLintTests.base.utf8), file: "demo.yaml")
    }

    static let open = Instant.at("03:50")

    @Test func beginMakesTheFirstStepCurrentAndShowsItsGuide() throws {
        let drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        #expect(drill.entries.map(\.kind) == [.open, .phase, .step])
        #expect(drill.entries[1].data["phase"] == "detection" && drill.entries[1].data["from"] == .null)
        #expect(drill.stepLog == ["ack:current"])
        let status = drill.progress.status(at: drill.now)
        #expect(status.phase == "detection" && status.stepID == "ack" && status.stepNumber == 1 && status.stepCount == 4)
        let message = try #require(drill.printed.last)
        #expect(message.contains("Step 1/4: ack — Acknowledge (commander, timebox 5m, sets acknowledged)"))
        #expect(message.contains("    probe errors"))
        #expect(message.contains("`done` judges errors.error_rate above 0.02 on the latest `probe errors`: passes → scope, fails → watch"))
        #expect(throws: PlaybookCommandError.alreadyStarted) { try drill.progress.begin(at: drill.now) }
    }

    @Test func aCheckWithoutAProbeResultSaysWhichProbeToRun() throws {
        let drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        let error = try #require(throws: PlaybookCommandError.self) { try drill.progress.done(at: drill.now) }
        #expect(error.description == "step 'ack' is judged on errors.error_rate above 0.02, and there is no `probe errors` result yet: "
            + "run `probe errors`, then `done` again (or `skip ack REASON`)")
    }

    @Test func aPassingCheckRecordsTheMilestoneAndTakesOnPass() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        drill.probe("errors", ["error_rate": 0.31, "timeout_rate": 0.2])
        drill.now = drill.now + 120_000
        try drill.done(note: "paged at 03:45")
        #expect(drill.stepLog == ["ack:current", "ack:done", "scope:current"])
        #expect(drill.milestoneLog == ["03:52 acknowledged"])
        let doneEntry = try #require(drill.entries.first { $0.data["status"] == "done" })
        #expect(doneEntry.data["reason"] == "paged at 03:45")
        #expect(doneEntry.data["next"] == "scope")
        #expect(doneEntry.data["check"] == [
            "probe": "errors", "metric": "error_rate", "value": 0.31, "threshold": 0.02, "comparison": "above", "passed": true,
            "probed_at": "2023-11-05T03:50:00.000Z",
        ])
        #expect(drill.printed.last?.contains("Check: errors.error_rate = 31.0% (probe at 03:50:00Z, 2m ago), above 2.0%? yes: passed") == true)
        #expect(drill.progress.milestones["acknowledged"] == Instant.at("03:52"))
        #expect(drill.progress.currentStepID == "scope")
    }

    @Test func aFailingCheckTakesOnFailAndRecordsNoMilestone() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        drill.probe("errors", ["error_rate": 0.004])
        try drill.done()
        #expect(drill.stepLog == ["ack:current", "ack:done", "watch:current"])
        #expect(drill.milestoneLog == [])
        // watch leads back to ack, which becomes current again and is judged on a new probe.
        try drill.done()
        #expect(drill.progress.currentStepID == "ack")
        drill.probe("errors", ["error_rate": 0.05])
        try drill.done()
        #expect(drill.progress.currentStepID == "scope")
        #expect(drill.milestoneLog == ["03:50 acknowledged"])
    }

    @Test func aMissingMetricIsReported() throws {
        let drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        var copy = drill
        copy.probe("errors", ["timeout_rate": 0.1])
        let error = try #require(throws: PlaybookCommandError.self) { try copy.progress.done(at: copy.now) }
        let check = try #require(try Self.playbook().step("ack")?.check)
        #expect(error == .metricMissing(step: "ack", check: check, probedAt: Self.open))
    }

    @Test func aPhaseAsTargetLeadsToItsFirstStepWithAPhaseEntry() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        drill.probe("errors", ["error_rate": 0.31])
        try drill.done()
        try drill.done()
        #expect(drill.progress.currentStepID == "rollback")
        let phase = try #require(drill.entries.last { $0.kind == .phase })
        #expect(phase.data == ["phase": "fix", "from": "detection"])
        #expect(drill.printed.last?.contains("== Phase 2/2: fix") == true)
        try drill.done()
        #expect(drill.progress.finished)
        #expect(drill.progress.currentStepID == nil)
        #expect(drill.printed.last?.contains("That was the last step of demo.") == true)
        #expect(throws: PlaybookCommandError.noCurrentStep(finished: true)) { try drill.progress.next(at: drill.now) }
        #expect(drill.progress.status(at: drill.now).summary.hasPrefix("playbook complete (3 done, 0 skipped of 4 steps)"))
    }

    @Test func skipNeedsAReasonAndFollowsOnPass() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        #expect(throws: PlaybookCommandError.reasonRequired(step: "ack")) { try drill.progress.skip(reason: " ", at: drill.now) }
        try drill.skip(reason: "the page was acknowledged by the pager app")
        #expect(drill.stepLog == ["ack:current", "ack:skipped", "scope:current"])
        #expect(drill.entries.contains { $0.data["reason"] == "the page was acknowledged by the pager app" })
        #expect(drill.progress.status(of: "ack") == .skipped)
    }

    @Test func stepsSettledAheadArePassedOver() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        try drill.skip("scope", reason: "impact already known")
        #expect(drill.progress.currentStepID == "ack")
        #expect(drill.printed.last == "Step scope will be skipped (impact already known); the current step is still ack.")
        drill.probe("errors", ["error_rate": 0.3])
        try drill.done()
        // scope was skipped ahead of time: its on_pass (phase fix) is followed at once.
        #expect(drill.progress.currentStepID == "rollback")
        #expect(drill.printed.last?.contains("Passing over scope (skipped earlier).") == true)
        #expect(throws: PlaybookCommandError.alreadyDone(step: "ack", at: Self.open)) { try drill.progress.done(step: "ack", at: drill.now) }
    }

    @Test func gotoLeavesTheStepPendingAndUnknownNamesSuggest() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        try drill.goto("fix")
        #expect(drill.progress.currentStepID == "rollback")
        #expect(drill.progress.status(of: "ack") == .pending)
        let current = try #require(drill.entries.last)
        #expect(current.data == ["step": "rollback", "status": "current", "reason": "goto fix", "from": "ack"])
        #expect(throws: PlaybookCommandError.unknownTarget("rolback", suggestion: "rollback")) { try drill.progress.goto("rolback", at: drill.now) }
        #expect(throws: PlaybookCommandError.unknownStep("scoep", suggestion: "scope")) { try drill.progress.done(step: "scoep", at: drill.now) }
    }

    @Test func runListsSuggestionsAndFlagsShellCommands() throws {
        let text = PlaybookLintTests.base.replacingOccurrences(of: "[\"probe errors\"]", with: "[\"probe errors\", \"! dig +short db.internal\"]")
        let playbook = try PlaybookLoader.load(bytes: Array(text.utf8), file: "demo.yaml")
        let progress = PlaybookProgress(playbook: playbook, state: IncidentState(entries: try PlaybookDrill(playbook, openAt: Self.open).entries))
        let run = try progress.run()
        #expect(run.commands.map(\.text) == ["probe errors", "! dig +short db.internal"])
        #expect(run.commands.map(\.isShell) == [false, true])
        #expect(run.commands[1].shellCommand == "dig +short db.internal")
        #expect(run.entries.first?.data["run"] == ["probe errors", "! dig +short db.internal"])
        #expect(try progress.run(step: "scope").commands.isEmpty)
    }

    // MARK: - Timers

    @Test func advanceRecordsEveryTimerAtItsOwnDueTime() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        drill.mark("detected", at: Instant.at("03:45"))
        let firings = drill.advance(minutes: 120)
        #expect(drill.timerLog == [
            "03:55 timebox ack",
            "04:00 escalation sre-oncall",
            "04:15 status-update",
            "04:45 status-update",
            "05:15 status-update",
            "05:45 status-update",
        ])
        #expect(firings.map(\.due) == firings.map(\.recordAt))
        #expect(drill.entries.filter { $0.kind == .escalation }.isEmpty)
        #expect(drill.entries.filter { $0.kind == .timer && $0.data["timer"] == "escalation" }.map(\.text)
            == ["Escalation rule 1 says: page sre-oncall (15m after detection, not mitigated)"])
        #expect(drill.progress.status(of: "ack") == .overdue)
        #expect(drill.stepLog.last == "ack:overdue")
        // Idempotent: the same span fires nothing again.
        #expect(drill.progress.dueTimers(from: Self.open, through: drill.now).isEmpty)
        #expect(firings[0].message == "[03:55Z] Step ack is overdue: its 5m timebox ran out. Finish it with `done`, ask for help, or `skip ack REASON`.")
    }

    @Test func anUpdateRestartsTheReminderAndAMilestoneCancelsTheEscalation() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        drill.advance(minutes: 4)
        drill.update("Investigating elevated errors")
        drill.mark("mitigated")
        drill.advance(minutes: 60)
        // No detected mark: timers count from the opening (03:50); the update at 03:54 restarts reminders.
        #expect(drill.timerLog == ["03:55 timebox ack", "04:24 status-update", "04:54 status-update"])
        #expect(drill.progress.nextTimer(after: drill.now) == PlaybookNextTimer(kind: .statusUpdate, due: Instant.at("05:24"), label: "status update"))
    }

    @Test func aBackdatedDetectionFiresAnOverdueEscalationLateButOnce() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        drill.advance(minutes: 2)
        drill.mark("detected", at: Instant.at("03:30"))
        let firings = drill.advance(minutes: 1)
        #expect(firings.map(\.kind) == [.escalation])
        #expect(firings.first?.due == Instant.at("03:45"))
        #expect(firings.first?.recordAt == Instant.at("03:52"))
        #expect(drill.entries.last { $0.kind == .timer }?.data["late"] == true)
        // The reminder of 03:30 + 30m comes at 04:00, not as a backlog.
        #expect(drill.advance(minutes: 10).map(\.kind) == [.timebox, .statusUpdate])
    }

    @Test func resolvedStopsEscalationsAndReminders() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        drill.mark("resolved")
        drill.advance(minutes: 180)
        #expect(drill.timerLog == ["03:55 timebox ack"])
        #expect(drill.progress.nextTimer(after: drill.now) == nil)
    }

    @Test func theNextTimerIsTheEarliest() throws {
        let drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        let status = drill.progress.status(at: drill.now)
        #expect(status.nextTimer == PlaybookNextTimer(kind: .timebox, due: Instant.at("03:55"), label: "timebox of ack"))
        #expect(status.summary == "detection · step 1/4 ack — Acknowledge (current) · next timer 03:55Z timebox of ack")
        #expect(drill.progress.stepsReport(at: drill.now + 90_000).contains("> current   ack       Acknowledge  since 03:50Z, 1m 30s of 5m"))
        #expect(drill.progress.stepsReport(at: drill.now).contains("since 03:50Z, 0s of 5m"))
    }

    @Test func aStepMadeCurrentAgainGetsANewTimebox() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        drill.advance(minutes: 6)
        drill.probe("errors", ["error_rate": 0.001])
        try drill.done()
        try drill.done()
        #expect(drill.progress.currentStepID == "ack")
        drill.advance(minutes: 6)
        #expect(drill.timerLog.filter { $0.contains("timebox") } == ["03:55 timebox ack", "04:01 timebox ack"])
    }

    // MARK: - Resume and listing

    @Test func resumeRebuildsTheSameProgressFromTheTranscript() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        drill.mark("detected", at: Instant.at("03:45"))
        drill.probe("errors", ["error_rate": 0.2])
        drill.advance(minutes: 7)
        try drill.done(note: "on it")
        try drill.skip("watch", reason: "not needed")
        drill.update("Mitigation under way")
        drill.advance(minutes: 40)
        #expect(try drill.resumed() == drill.progress)
        let resumed = try drill.resumed()
        #expect(resumed.currentStepID == "scope" && resumed.lastUpdateAt == Instant.at("03:57"))
        #expect(resumed.dueTimers(from: drill.now, through: drill.now + 1).isEmpty)
    }

    @Test func stepsReportShowsStatusTimesAndMarks() throws {
        var drill = try PlaybookDrill(Self.playbook(), openAt: Self.open)
        drill.advance(minutes: 6)
        drill.probe("errors", ["error_rate": 0.2])
        try drill.done()
        try drill.skip("watch", reason: "not needed")
        drill.now = drill.now + 90_000
        #expect(drill.progress.stepsReport(at: drill.now) == """
            Demo (demo v1)
            detection  <- current phase
              done      ack       Acknowledge  03:56Z (was overdue)
            > current   scope     Scope        since 03:56Z
              skipped   watch     Watch        03:56Z (ahead)
            fix
              pending   rollback  Roll back
            """)
    }
}
