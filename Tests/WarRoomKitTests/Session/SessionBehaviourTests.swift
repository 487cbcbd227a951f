import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// What a responder notices in the shell: one fold for every fact, identity per terminal,
/// `run` that asks, editable actions, an unambiguous `done`, every line on the record.
@Suite struct SessionBehaviourTests {
    static let playbooks = "\(repositoryRoot)/Playbooks"

    /// The bundled drill (lb-cascading-failure on its scenario), moved only by `advance`.
    static func drill(_ folder: TemporaryFolder, as responder: String = "dana") throws -> Session {
        var options = StartOptions(responder: responder, transcriptsFolder: folder.path)
        options.playbookFolders = [playbooks]
        options.speed = 0
        return try Session.start(options, source: .fixed(SessionTests.t0)).0
    }

    /// Handles each line and fails the test on an error.
    @discardableResult
    static func run(_ session: Session, _ lines: [String]) -> [Reply] {
        lines.map { line in
            let reply = session.handle(line)
            #expect(reply.error == nil, "\(line): \(reply.error ?? "")")
            return reply
        }
    }

    static func entries(_ session: Session) throws -> [TranscriptEntry] {
        try TranscriptLog.read(path: session.path).entries
    }

    // MARK: - One fold

    @Test func retractingMitigatedReArmsTheEscalationRuleAndTheStepsMilestone() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try Self.drill(folder)
        Self.run(session, ["advance 17m", "mark detected", "mark mitigated"])
        let mitigated = try #require(session.state.milestones["mitigated"])
        // lb-cascading-failure's second rule reminds to page reliability-team 30 minutes after
        // detection unless mitigated: mitigated, it is not due.
        #expect(session.progress?.nextTimer(after: session.clock.now)?.label.contains("reliability-team") != true)
        Self.run(session, ["retract \(mitigated.seq) errors came back"])
        #expect(session.state.milestone(.mitigated) == nil)
        #expect(session.progress?.milestones["mitigated"] == nil)
        Self.run(session, ["advance 40m"])
        let reminders = try Self.entries(session).filter { $0.kind == .timer && $0.data["timer"] == "escalation" }
        let pages: [String] = reminders.compactMap { $0.data["page"]?.stringValue }
        #expect(pages.contains("reliability-team"))
        // A reminder is never an escalation.
        #expect(try Self.entries(session).filter { $0.kind == .escalation }.isEmpty)
    }

    @Test func aStepDoneAheadDoesNotStampLaterEntriesWithItsId() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try Self.drill(folder)
        Self.run(session, ["advance 17m", "done rollback done ahead for the test", "note after the step done ahead"])
        let note = try #require(try Self.entries(session).last { $0.kind == .note })
        #expect(note.step == "take-command")
        #expect(session.state.step == "take-command")
        #expect(try Self.entries(session).last { $0.kind == .step }?.step == "rollback")
        #expect(ViewCommands.statusText(session).contains("step: take-command"))
    }

    @Test func theStateRebuiltOnResumeIsTheLiveOne() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try Self.drill(folder)
        Self.run(session, ["advance 17m", "mark detected", "done", "probe errors", "done", "advance 10m", "quit"])
        let (resumed, _) = try Session.resume(path: session.path, responder: "dana", folders: [Self.playbooks], source: .fixed(SessionTests.t0))
        #expect(resumed.state.steps == session.state.steps)
        #expect(resumed.progress == session.progress)
        #expect(resumed.state.firingAlerts.keys.sorted() == ["MessagingErrorRate"])
    }

    // MARK: - Identity

    @Test func resumeRecordsWhoIsTypingNowAndAsChangesOnlyThisTerminal() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try Self.drill(folder, as: "dana")
        Self.run(session, ["role commander dana", "note from dana", "quit"])
        let (resumed, _) = try Session.resume(path: session.path, responder: "zoe", folders: [Self.playbooks], source: .fixed(SessionTests.t0))
        Self.run(resumed, ["note from zoe", "as omar", "note from omar", "role commander omar"])
        let entries = try Self.entries(resumed)
        #expect(entries.first { $0.kind == .resume }?.by == "zoe")
        #expect(entries.last { $0.text == "from zoe" }?.by == "zoe")
        #expect(entries.last { $0.text == "from omar" }?.by == "omar")
        #expect(resumed.responder == "omar")
        // `as` is this terminal's: the incident's commander is whoever `role` says.
        #expect(resumed.state.roles.map(\.name) == ["omar"])
        let handover = try #require(entries.last { $0.kind == .role && $0.data["role"] == "commander" })
        #expect(handover.text == "commander handed over from dana to omar")
        #expect(handover.data["from"] == "dana")
    }

    // MARK: - run

    @Test func runFromAScriptDoesNotChangeTheLoadBalancerWithoutYes() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try Self.drill(folder)
        Self.run(session, ["advance 17m", "goto rollback"])
        let before = session.console?.current.number
        let reply = session.handle("run")
        #expect(reply.error == nil)
        #expect(reply.output.contains("» lb history"))
        #expect(reply.output.contains("(not run: it changes the load balancer; confirm it on a terminal, or use 'run --yes' from a script)"))
        #expect(session.console?.current.number == before)
        #expect(try !Self.entries(session).contains { $0.kind == .lb && $0.by == "dana" })
        let yes = session.handle("run --yes")
        #expect(yes.error == nil)
        #expect(session.console?.current.number == (before ?? 0) + 1)
        let recorded = try #require(try Self.entries(session).last { $0.kind == .step && $0.data["run"] != nil })
        #expect(recorded.data["yes"] == true)
        #expect(recorded.input == "run --yes")
    }

    @Test func runOnATerminalAsksBeforeAChangeAndRunsReadOnlyOnesAtOnce() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try Self.drill(folder)
        Self.run(session, ["advance 17m", "goto rollback"])
        var asked: [String] = []
        session.interactive = true
        session.confirm = { question in
            asked.append(question)
            return false
        }
        let reply = session.handle("run")
        #expect(asked.count == 1)
        // The question shows the versions so far and what the change would do.
        #expect(asked.first?.hasPrefix("VERSION") == true, "\(asked)")
        #expect(asked.first?.contains("dry run of lb rollback") == true)
        #expect(asked.first?.hasSuffix("'lb rollback' changes the load balancer. Run it?") == true)
        #expect(reply.output.contains("  (not run)"))
        #expect(try Self.entries(session).contains { $0.input == "lb history" })
    }

    @Test func runOnAStepWithoutSuggestionsSaysSo() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = StartOptions(responder: "dana", transcriptsFolder: folder.path)
        let playbook = folder.file("plain.yaml")
        try """
            playbook: plain
            title: Plain
            version: 1
            phases:
              - name: detection
                steps:
                  - id: look
                    title: Look around
                    guide: Read the dashboards.
            """.write(toFile: playbook, atomically: true, encoding: .utf8)
        options.playbook = playbook
        options.clockMode = .virtual
        options.speed = 0
        let session = try Session.start(options, source: .fixed(SessionTests.t0)).0
        let reply = session.handle("run")
        #expect(reply.output.hasPrefix("Step look suggests no commands; its guide:"))
        #expect(try Self.entries(session).last?.data["effect"] == "none")
    }

    // MARK: - done and skip

    @Test func doneTakesItsFirstWordAsAStepOnlyWhenTheStepIsNotDone() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try Self.drill(folder)
        Self.run(session, ["advance 17m", "done rollback ahead of time"])
        // `rollback` is done now: the same first word starts a note on the current step.
        let reply = session.handle("done rollback to v1 brought errors down")
        #expect(reply.error == nil)
        let done = try #require(try Self.entries(session).last { $0.kind == .step && $0.data["status"] == "done" })
        #expect(done.data["step"] == "take-command")
        #expect(done.data["reason"] == "rollback to v1 brought errors down")
        // --step names it explicitly.
        let skip = session.handle("skip --step size-impact numbers already known")
        #expect(skip.error == nil)
        #expect(try Self.entries(session).last { $0.kind == .step && $0.data["status"] == "skipped" }?.data["step"] == "size-impact")
    }

    // MARK: - Actions

    @Test func actionsAreEditedByIdAndUnknownIdsAreErrors() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try Self.drill(folder)
        Self.run(session, ["action Audit weight changes", "action A1 --owner omar --due 2023-11-20 --type process"])
        let action = try #require(session.state.action("A1"))
        #expect(action.owner == "omar")
        #expect(action.due == "2023-11-20")
        #expect(action.type == .process)
        #expect(session.state.actions.count == 1)
        #expect(session.handle("action A6 --owner dana").error == "no action A6; actions: A1")
        #expect(session.handle("action done A99999999999999999999").error == "no action A99999999999…; actions: A1")
        #expect(session.handle("action reopen A1").error == "A1 is open already")
        Self.run(session, ["action done A1", "action reopen A1"])
        #expect(session.state.action("A1")?.done == false)
        #expect(session.state.actions.count == 1)
        // Withdrawing the edit gives the item back its first owner, and keeps the rest.
        let edit = try #require(try Self.entries(session).first { $0.kind == .action && $0.data["edit"] == true })
        Self.run(session, ["retract \(edit.seq) wrong owner"])
        #expect(session.state.action("A1")?.owner == nil)
        #expect(session.state.action("A1")?.done == false)
    }

    // MARK: - Every line on the record

    @Test func linesThatChangeNothingAreRecordedWithWhatTheyDid() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try Self.drill(folder)
        let before = try Self.entries(session).count
        Self.run(session, ["severity SEV-1", "severity SEV-1", "goto take-command"])
        let recorded = try Self.entries(session).dropFirst(before)
        #expect(recorded.map(\.input) == ["severity SEV-1", "severity SEV-1", "goto take-command"])
        #expect(recorded.dropFirst().allSatisfy { $0.kind == .command && $0.data["effect"] == "none" })
        #expect(recorded.last?.text == "Already at take-command — Acknowledge the alert and take command.")
    }

    // MARK: - Long advances and dates

    @Test func aLongAdvanceSummarisesRepeatedRemindersAndDatesTimesAfterMidnight() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        // The bundled playbook on no load balancer: its timers, without a simulation to run.
        var options = StartOptions(responder: "dana", transcriptsFolder: folder.path)
        options.playbookFolders = [Self.playbooks]
        options.playbook = "lb-cascading-failure"
        options.target = "none"
        options.clockMode = .virtual
        options.virtualStart = SessionTests.t0
        options.speed = 0
        let session = try Session.start(options, source: .fixed(SessionTests.t0)).0
        Self.run(session, ["done"])
        let reply = session.handle("advance 2d")
        #expect(reply.error == nil)
        #expect(reply.output == "03:45:00Z → 2023-11-07 03:45:00Z")
        let updates = reply.notices.filter { $0.text.contains("Status update due") }
        #expect(updates.count == 1)
        #expect(updates.first?.text.hasPrefix("[11-07 03:45Z] Status update due") == true)
        #expect(updates.first?.text.hasSuffix("(×96 during the advance; this is the last)") == true)
        #expect(try Self.entries(session).filter { $0.kind == .timer && $0.data["timer"] == "status-update" }.count == 96)
        #expect(session.prompt.hasPrefix("2023-11-07 03:45Z "))
    }

    @Test func stepsShowsBranchesNotTaken() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try Self.drill(folder)
        Self.run(session, ["advance 17m", "mark detected", "done", "probe errors", "done", "skip sized from the alert for the test"])
        let steps = session.handle("steps").output
        // confirm-errors passed its check: watch-errors, its failing branch, lies behind the path.
        #expect(steps.contains("  not taken watch-errors"))
        #expect(steps.contains("> current   list-hypotheses"))
        #expect(steps.contains("  pending   rule-out-ddos"))
    }

    @Test func everyCommandsHelpHasAnExample() {
        for spec in CommandTable.standard.specs {
            #expect(spec.details.contains("Example"), "help \(spec.name) has no example")
        }
    }
}
