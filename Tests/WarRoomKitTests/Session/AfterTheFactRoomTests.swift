import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// Two scribes writing up one incident after the fact in a shared room: the room's clock is
/// the incident's, moved by `at` in either shell, and what each records carries it.
@Suite struct AfterTheFactRoomTests {
    @Test func twoScribesReconstructTogetherOnOneIncidentClock() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let store = InMemoryTranscriptStore(shared: true)
        var options = StartOptions(responder: "dana", transcriptsFolder: folder.path)
        options.from = Instant.parseISO8601("2019-07-02T13:42:00Z")
        options.title = "Global outage"
        options.provider = MemoryProvider(store: store)
        let written = Instant.parseISO8601("2026-12-05T09:00:00Z")!
        let dana = try Session.start(options, source: .fixed(written)).0
        #expect(dana.clock.mode == .virtual && dana.clock.speed == 0)
        let omar = try Session.join(store: store, responder: "omar", source: .fixed(written)).0
        #expect(dana.handle("mark impact-start").error == nil)
        #expect(dana.handle("at 13:45Z").error == nil)
        // omar's shell follows the room's clock: his note is at 13:45.
        #expect(omar.handle("note first page came in").error == nil)
        #expect(omar.handle("at 14:00Z").error == nil)
        #expect(dana.handle("hyp an attack --at 13:46Z").error == nil)
        #expect(dana.handle("rule-out H1 traffic normal").error == nil)
        // The clock only moves forward, in either shell.
        #expect(dana.handle("at 13:50Z").error?.contains("before the incident clock (2019-07-02T14:00:00Z)") == true)
        let entries = try store.entries(after: 0)
        #expect(entries.first { $0.kind == .note }?.at.iso8601Seconds == "2019-07-02T13:45:00Z")
        #expect(entries.first { $0.kind == .hypothesis && $0.data["status"] == "open" }?.at.iso8601Seconds == "2019-07-02T13:46:00Z")
        #expect(entries.last { $0.kind == .hypothesis }?.at.iso8601Seconds == "2019-07-02T14:00:00Z")
        #expect(entries.allSatisfy { $0.wall == written })
        #expect(entries[0].data["after_the_fact"]?["written"] == .string(written.iso8601))
    }

    @Test func fromRefusesWhatCannotBeWrittenUp() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = StartOptions(responder: "dana", transcriptsFolder: folder.path)
        options.from = Instant.parseISO8601("2027-01-01T00:00:00Z")
        #expect(throws: StartError.self) { try Session.start(options, source: .fixed(Instant.parseISO8601("2026-12-05T09:00:00Z")!)) }
        options.from = Instant.parseISO8601("2019-07-02T13:42:00Z")
        options.clockMode = .wall
        #expect(throws: StartError.self) { try Session.start(options, source: .fixed(Instant.parseISO8601("2026-12-05T09:00:00Z")!)) }
        options.clockMode = nil
        options.scenario = "lb-misconfig-2023-11-05"
        options.playbookFolders = [SharedRoomTests.playbooks]
        #expect(throws: StartError.self) { try Session.start(options, source: .fixed(Instant.parseISO8601("2026-12-05T09:00:00Z")!)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
