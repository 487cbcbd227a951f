import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// `list` reads a paused or closed transcript's first and last lines, not all of them: the
/// row must be the one folding every line gives, and where the ends do not say it all, every
/// line is folded.
@Suite struct ListFromEndsTests {
    /// The row every line folded gives.
    static func folded(_ path: String) throws -> IncidentCatalog.Row {
        let state = try #require(IncidentCatalog.fold(path))
        return IncidentCatalog.row(state: state, file: path) { "open" }
    }

    /// Appends a line to a transcript as it is (not chained: `list` does not verify).
    static func append(_ line: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
    }

    @Test func aPausedIncidentWithItsSeverityChangedReadsFromItsEnds() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        #expect(session.handle("severity SEV-1 users cannot send messages").error == nil)
        #expect(session.handle("advance 40m").error == nil)
        #expect(session.handle("note rolled back").error == nil)
        #expect(session.handle("quit").error == nil)
        let ends = try #require(IncidentCatalog.rowFromEnds(session.path))
        #expect(ends == (try Self.folded(session.path)))
        #expect(ends.severity == "SEV-1" && ends.status == "paused" && ends.durationMilliseconds == 40 * 60_000)
        #expect(try IncidentCatalog.list(folder: folder.path) == [ends])
    }

    @Test func aClosedIncidentReadsFromItsEndsPastTheCloseNotifications() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        #expect(session.handle("quit").error == nil)
        let (resumed, _) = try Session.resume(path: session.path, responder: "bob", source: .fixed(SessionTests.t0))
        #expect(resumed.handle("severity SEV-2").error == nil)
        #expect(resumed.handle("advance 3h").error == nil)
        #expect(resumed.handle("close weights corrected").error == nil)
        let closed = try #require(IncidentCatalog.rowFromEnds(session.path))
        #expect(closed == (try Self.folded(session.path)))
        #expect(closed.status == "closed" && closed.severity == "SEV-2" && closed.durationMilliseconds == 3 * 3_600_000)
        // What the close's notifications came to is recorded after it, later.
        try Self.append(#"{"seq":90,"at":"2023-11-05T09:00:00.000Z","wall":"2023-11-05T09:00:00.000Z","by":"warroom","kind":"delivery","text":"delivered","data":{"notify":9,"attempt":1,"outcome":"delivered"},"hash":"0000000000000000000000000000000000000000000000000000000000000000"}"# + "\n", to: session.path)
        #expect(IncidentCatalog.rowFromEnds(session.path) == closed)
        #expect(IncidentCatalog.rowFromEnds(session.path) == (try Self.folded(session.path)))
    }

    @Test func aPausedIncidentsLastTimeCountsWhatCameAfterThePause() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        #expect(session.handle("advance 10m").error == nil)
        #expect(session.handle("quit").error == nil)
        try Self.append(#"{"seq":90,"at":"2023-11-05T05:00:00.000Z","wall":"2023-11-05T05:00:00.000Z","by":"warroom","kind":"delivery","text":"delivered","data":{"notify":9,"attempt":1,"outcome":"delivered"},"hash":"0000000000000000000000000000000000000000000000000000000000000000"}"# + "\n", to: session.path)
        let ends = try #require(IncidentCatalog.rowFromEnds(session.path))
        #expect(ends == (try Self.folded(session.path)))
        #expect(ends.durationMilliseconds == 75 * 60_000)
    }

    @Test func whereTheEndsDoNotSayItAllEveryLineIsFolded() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        #expect(session.handle("severity SEV-1").error == nil)
        #expect(session.handle("quit").error == nil)
        let path = session.path
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let whole = lines.joined(separator: "\n")
        // A pause written before pauses said how the incident stood.
        let old = whole.replacing(#/,"state":\{"severity":"SEV-1","last_at":"[^"]*"\}/#, with: "")
        #expect(old != whole)
        try old.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(IncidentCatalog.rowFromEnds(path) == nil)
        #expect(try IncidentCatalog.list(folder: folder.path).map(\.severity) == ["SEV-1"])
        // A torn last line; an incident still open (its last entry a note); the open entry alone.
        try (whole + #"{"seq":9,"at""#).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(IncidentCatalog.rowFromEnds(path) == nil)
        try (lines.dropLast(2).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(IncidentCatalog.rowFromEnds(path) == nil)
        #expect(try IncidentCatalog.list(folder: folder.path).map(\.status) == ["interrupted"])
        try (lines[0] + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(IncidentCatalog.rowFromEnds(path) == nil)
        // A byte-order mark before the first line is no part of it.
        try ("\u{FEFF}" + whole).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(IncidentCatalog.rowFromEnds(path) == (try Self.folded(path)))
    }

    @Test func theListReadsOnlyTheEndsOfAPausedTranscript() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        #expect(session.handle("quit").error == nil)
        // A second open entry in the middle would change the folded row's id; the ends do not see it.
        let id = try Self.folded(session.path).id
        var lines = try String(contentsOfFile: session.path, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.insert(lines[0].replacingOccurrences(of: "\"seq\":1,", with: "\"seq\":2,").replacingOccurrences(of: "\"\(id)\"", with: "\"elsewhere\""), at: 1)
        try (lines.joined(separator: "\n") + "\n").write(toFile: session.path, atomically: true, encoding: .utf8)
        #expect(try Self.folded(session.path).id == "elsewhere")
        #expect(try IncidentCatalog.list(folder: folder.path).map(\.id) == [id])
    }
}
