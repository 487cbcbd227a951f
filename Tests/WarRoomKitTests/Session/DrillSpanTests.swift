import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// A drill's simulation is rebuilt second by second from the scenario's start, so a drill
/// is bounded in incident time: `advance` stops at the bound, and a transcript running past
/// it (damaged or forged) is refused on `resume` instead of being simulated for years.
@Suite struct DrillSpanTests {
    static let playbooks = "\(repositoryRoot)/Playbooks"

    /// A free-form drill on the bundled retry-storm scenario, its clock moved only by `advance`.
    static func retryStormDrill(in folder: TemporaryFolder) throws -> Session {
        var options = StartOptions(responder: "alice", transcriptsFolder: folder.path)
        options.scenario = "retry-storm"
        options.playbookFolders = [playbooks]
        options.freeForm = true
        options.speed = 0
        return try Session.start(options, source: .fixed(SessionTests.t0)).0
    }

    /// A paused retry-storm drill with one more entry, `days` after the last, and a valid chain
    /// (the shell refuses to postdate, so only an edited file gets there).
    static func forgedDrill(in folder: TemporaryFolder, daysLater days: Int64) throws -> String {
        let session = try retryStormDrill(in: folder)
        #expect(session.handle("quit").error == nil)
        let (writer, log) = try TranscriptWriter.resume(path: session.path)
        let far = log.entries.last!.at + days * 86_400_000
        _ = try writer.append(TranscriptEntry(seq: 0, at: far, wall: far, by: "mallory", kind: .note, text: "much later", data: [:]))
        writer.close()
        return session.path
    }

    @Test func resumeRefusesADrillRunningPastTheBound() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.forgedDrill(in: folder, daysLater: 40)
        #expect {
            _ = try Session.resume(path: path, responder: "zoe", folders: [Self.playbooks], source: .fixed(SessionTests.t0))
        } throws: { error in
            "\(error)".contains("runs 40d 0h 00m past its start, and a drill simulates at most 31 days")
        }
        // Refused without a trace: no resume entry, and the lock is free for the next reader.
        #expect(try TranscriptLog.read(path: path).entries.last?.text == "much later")
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path)).isValid)
    }

    @Test func advanceStopsAtTheBound() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try Self.retryStormDrill(in: folder)
        session.instruments.longestDrill = 3 * 3_600_000
        #expect(session.handle("advance 2h").error == nil)
        #expect(session.handle("advance 90m").error == "a drill simulates at most 3h 00m of incident time and this one is at +2h 00m; close it, or start a new drill")
        #expect(session.handle("advance 1h").error == nil)
        #expect(session.clock.now - session.state.openedAt == 3 * 3_600_000)
    }
}
