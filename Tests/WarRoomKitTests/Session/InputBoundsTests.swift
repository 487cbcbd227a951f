import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// Numbers typed in the shell, given to `start`, or read back from a transcript are checked
/// against `Bounds`: each case here trapped, hung, or wrote a time warroom could not read back.
@Suite struct InputBoundsTests {
    @Test func aTimeWithMoreThanThreeFractionDigitsIsRoundedNotATrap() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        #expect(session.handle("mark detected --at 2023-11-05T03:29:00.1234Z").error == nil)
        let entry = try #require(TranscriptLog.read(path: session.path).entries.last)
        #expect(entry.data["time"]?.stringValue == "2023-11-05T03:29:00.123Z")
    }

    @Test func aBackdateBeforeNineteenSeventyIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        let reply = session.handle("mark detected --at -8999999999999999ms")
        #expect(reply.error?.contains("'-8999999999999999ms' is not a time in the years 1970–9999") == true, "\(reply.error ?? "")")
        #expect(session.state.milestone(.detected) == nil)
        #expect(session.handle("action renew certs --due 0000-01-01").error?.contains("is not a date in the years 1970–9999") == true)
    }

    @Test func aRateLimitOutOfRangeIsRefusedNotATrap() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try DrillSpanTests.retryStormDrill(in: folder)
        for text in ["1e300", "1e18", "inf", "0x10", "0"] {
            let reply = session.handle("lb ratelimit \(text)")
            #expect(reply.error?.contains("is not a number of requests per second, more than 0 and at most 10000000 req/s") == true, "\(text): \(reply.error ?? "")")
        }
        #expect(session.handle("lb ratelimit 10000000").error == nil)
        #expect(session.handle("probe errors").error == nil)
    }

    @Test func theSpeedIsBoundedAndAFastDrillClockStopsAtTheDrillsEnd() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = StartOptions(responder: "alice", transcriptsFolder: folder.path)
        options.scenario = "retry-storm"
        options.playbookFolders = [DrillSpanTests.playbooks]
        options.freeForm = true
        for speed in [1e300, 1e9, -1, .nan, .infinity] {
            options.speed = speed
            #expect(throws: StartError.badSpeed(String(speed))) { try Session.start(options, source: .fixed(SessionTests.t0)) }
        }
        #expect(transcripts(in: folder.path).isEmpty)
        // A million simulated seconds a second: the clock runs into the drill's end and stops
        // there, so what it writes is a drill `resume` accepts (31 days), not one of 360 days.
        options.speed = 1_000_000
        let (session, _) = try Session.start(options, source: .fixed(SessionTests.t0))
        let scenarioStart = try #require(session.scenario?.start)
        #expect(session.clock.limit == scenarioStart + SimulatedTarget.longestDrill)
        #expect(session.clock.limit.iso8601 == "2024-07-19T09:00:00.000Z")
    }

    @Test func aDrillOnTheWallClockLongAfterItsScenarioIsRefusedNotSimulatedForYears() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = StartOptions(responder: "alice", transcriptsFolder: folder.path)
        options.scenario = "retry-storm"
        options.playbookFolders = [DrillSpanTests.playbooks]
        options.freeForm = true
        options.clockMode = .wall
        let now = Instant.parseISO8601("2026-01-01T00:00:00Z")!
        #expect {
            try Session.start(options, source: .fixed(now))
        } throws: { error in
            "\(error)".contains("more than 31 days after its scenario's start (2024-06-18T09:00:00Z)")
        }
        #expect(transcripts(in: folder.path).isEmpty)
    }

    @Test func theClockCannotBeAdvancedPastTheYear9999() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = StartOptions(responder: "alice", transcriptsFolder: folder.path)
        options.clockMode = .virtual
        options.speed = 0
        options.freeForm = true
        options.virtualStart = Instant.parseISO8601("9999-12-31T23:00:00Z")
        let (session, _) = try Session.start(options, source: .fixed(SessionTests.t0))
        #expect(session.handle("advance 2h").error?.contains("the incident clock stops at 9999-12-31T23:59:59Z") == true)
        #expect(session.handle("advance 59m").error == nil)
        #expect(session.handle("quit").error == nil)
        // Everything it wrote, it reads back.
        let (resumed, _) = try Session.resume(path: session.path, responder: "tester", source: .fixed(SessionTests.t0))
        #expect(resumed.state.lastAt.iso8601 == "9999-12-31T23:59:00.000Z")
    }

    @Test func aTranscriptRecordingAnImpossibleSpeedIsRefusedOnResume() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("forged.jsonl")
        let writer = try TranscriptWriter.create(path: path)
        let t0 = SessionTests.t0
        let data: JSONObject = ["incident": "forged", "title": "Forged", "severity": "SEV-3", "responder": "mallory", "playbook": .null,
                                "scenario": .null, "clock": ["mode": "virtual", "speed": 1e300, "start": .string(t0.iso8601)], "target": "none"]
        try writer.append(TranscriptEntry(seq: 0, at: t0, wall: t0, by: "mallory", kind: .open, text: "Opened", data: data))
        try writer.append(TranscriptEntry(seq: 0, at: t0, wall: t0, by: "mallory", kind: .pause, text: "Paused"))
        writer.close()
        #expect {
            _ = try Session.resume(path: path, responder: "tester", source: .fixed(t0))
        } throws: { error in
            "\(error)".contains("records a clock speed of 1e+300, and --speed must be 0…1000000")
        }
        #expect(try TranscriptLog.read(path: path).entries.count == 2, "nothing was appended")
    }

    @Test(.timeLimit(.minutes(1)))
    func replayRefusesADrillDatedInTheYear9999InsteadOfSimulatingIt() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try DrillSpanTests.retryStormDrill(in: folder)
        #expect(session.handle("probe errors").error == nil)
        #expect(session.handle("quit").error == nil)
        let (writer, _) = try TranscriptWriter.resume(path: session.path)
        let far = Instant.parseISO8601("9999-06-01T00:00:00Z")!
        try writer.append(TranscriptEntry(seq: 0, at: far, wall: far, by: "mallory", kind: .command, input: "probe errors", text: "", data: ["command": "probe"]))
        writer.close()
        #expect {
            _ = try Replay.run(path: session.path, folders: [DrillSpanTests.playbooks], source: .fixed(SessionTests.t0))
        } throws: { error in
            error is Replay.Failure && "\(error)".contains("past its scenario's start, and a drill simulates at most 31 days")
        }
    }
}
