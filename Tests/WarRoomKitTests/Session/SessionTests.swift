import Testing
import WarRoomTestSupport
@testable import WarRoomKit

@Suite struct SessionTests {
    static let t0 = Instant.parseISO8601("2023-11-05T03:45:00Z")!

    func open(_ folder: TemporaryFolder) throws -> Session {
        var options = StartOptions(responder: "alice", transcriptsFolder: folder.path)
        options.clockMode = .virtual
        options.speed = 0
        options.title = "Messaging outage"
        options.freeForm = true
        return try Session.start(options, source: .fixed(Self.t0)).0
    }

    @Test func recordsMilestonesHypothesesAndActionsAndRebuildsThemOnResume() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try open(folder)
        for line in [
            "mark detected", "advance 2m", "mark acknowledged", "hyp DDoS", "hyp database slow", "rule-out H1 traffic at baseline",
            "confirm H2 p99 db latency 900ms", "action Audit configs --owner dana --type prevent --due 2023-11-20",
            "mark impact-start --at 03:40Z", "role commander alice", "as bob", "note fast rollback #went-well", "quit",
        ] {
            let reply = session.handle(line)
            #expect(reply.error == nil, "\(line): \(reply.error ?? "")")
        }
        #expect(session.state.milestone(.impactStart)?.clockMinutes == "03:40Z")
        #expect(session.state.milestone(.acknowledged)?.clockMinutes == "03:47Z")
        #expect(session.state.hypotheses.map(\.status) == [.ruledOut, .confirmed])
        #expect(session.state.actions.first?.owner == "dana")
        #expect(session.state.status == .paused)
        let path = session.path
        let (resumed, notices) = try Session.resume(path: path, responder: "zoe", source: .fixed(Self.t0))
        #expect(notices.isEmpty)
        #expect(resumed.responder == "zoe")
        #expect(resumed.state.hypotheses == session.state.hypotheses)
        #expect(resumed.state.milestones == session.state.milestones)
        #expect(resumed.state.roles.map(\.name) == ["alice"])
        #expect(resumed.clock.now == session.clock.now)
    }

    @Test func amendAndRetractCorrectByAppending() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try open(folder)
        _ = session.handle("rootcause DNS")
        _ = session.handle("rootcause weights misconfigured")
        _ = session.handle("mark detected")
        _ = session.handle("amend 3 pool weights misconfigured during maintenance")
        _ = session.handle("retract 4 marked too early")
        #expect(session.state.rootCause?.text == "pool weights misconfigured during maintenance")
        #expect(session.state.milestone(.detected) == nil)
        _ = session.handle("retract 3 not proven")
        #expect(session.state.rootCause?.text == "DNS")
        let log = try TranscriptLog.read(path: session.path)
        #expect(log.entries.map(\.kind).suffix(3) == [.amend, .retract, .retract])
        #expect(log.entries[2].text == "weights misconfigured")
    }

    @Test(arguments: [
        ("stauts", "did you mean 'status'"),
        ("mark", "missing MILESTONE; usage: mark MILESTONE"),
        ("mark detectd", "did you mean 'detected'"),
        ("mark detected --at 09:99Z", "is not a time"),
        ("rule-out H9 nope", "no hypothesis H9"),
        ("severity SEV-9", "is not a severity"),
        ("advance -5m", "negative"),
        ("advance soon", "is not a duration"),
        ("amend 99 x", "no entry #99"),
        ("action done A7", "no action A7; add one with 'action TEXT'"),
        ("note", "missing TEXT"),
        ("timeline --last x", "--last needs a number of entries, 1…1000000000"),
        ("!ls", "--allow-shell"),
    ])
    func badInputGetsAClearErrorAndIsRecorded(line: String, message: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try open(folder)
        let reply = session.handle(line)
        #expect(reply.error?.contains(message) == true, "\(reply.error ?? "no error")")
        #expect(session.failures == 1)
        let log = try TranscriptLog.read(path: session.path)
        #expect(log.entries.last?.kind == .error)
        #expect(log.entries.last?.input == line)
    }

    @Test func unknownIdsNameWhatIsOpen() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try open(folder)
        _ = session.handle("hypothesis DDoS")
        _ = session.handle("hypothesis database")
        _ = session.handle("rule-out H1 traffic at baseline")
        #expect(session.handle("confirm H7").error == "no hypothesis H7; open ones: H2")
        _ = session.handle("rule-out H2 latency normal")
        #expect(session.handle("confirm H7").error == "no hypothesis H7; none is open (decided: H1, H2)")
        _ = session.handle("action roll back --owner dana")
        #expect(session.handle("action done A2").error == "no action A2; actions: A1")
    }

    @Test func longListsInMessagesAreCut() {
        let names = (1...30).map { "msg-\($0)" }
        #expect(Suggest.list(Array(names.prefix(3))) == "msg-1, msg-2, msg-3")
        #expect(Suggest.list(names, limit: 2) == "msg-1, msg-2 … (30 in all)")
    }

    @Test func aMegabyteLineIsRefusedWithoutLosingTheRecord() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try open(folder)
        let reply = session.handle("note " + String(repeating: "x", count: 1 << 20))
        #expect(reply.error?.contains("line too long") == true)
        #expect(session.handle("note after").error == nil)
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: session.path)).isValid)
    }

    @Test func completionCoversCommandsIdsAndMilestones() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try open(folder)
        _ = session.handle("hyp one")
        _ = session.handle("hyp two")
        let table = session.commands
        #expect(table.completions(for: "sta", session: session) == ["status"])
        #expect(table.completions(for: "rule-out ", session: session) == ["H1", "H2"])
        #expect(table.completions(for: "mark m", session: session) == ["mitigated"])
        #expect(table.completions(for: "action Fix --type p", session: session) == ["prevent", "process"])
        // A probe's and an lb view's options complete once their dashes are typed.
        #expect(table.completions(for: "probe errors --wi", session: session) == ["--window"])
        #expect(table.completions(for: "probe errors --window 5m --sh", session: session) == ["--show-query"])
        #expect(table.completions(for: "lb weight msg-01 5 --d", session: session) == ["--dry-run"])
    }
}

@Suite struct CorrectionTests {
    @Test func retractingAnAmendmentRestoresTheTextItReplaced() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = StartOptions(responder: "alice", transcriptsFolder: folder.path)
        options.clockMode = .virtual
        options.speed = 0
        options.freeForm = true
        let session = try Session.start(options, source: .fixed(SessionTests.t0)).0
        _ = session.handle("hyp database is slow")
        _ = session.handle("amend 2 database connection pool exhausted")
        #expect(session.state.hypothesis("H1")?.text == "database connection pool exhausted")
        _ = session.handle("amend 2 database primary overloaded")
        _ = session.handle("retract 4 wrong correction")
        #expect(session.state.hypothesis("H1")?.text == "database connection pool exhausted")
        _ = session.handle("retract 3 also wrong")
        #expect(session.state.hypothesis("H1")?.text == "database is slow")
        #expect(session.state.amendments[2] == nil)
    }
}
