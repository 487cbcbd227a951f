import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// No write follows a symbolic link: a link planted where warroom writes (the lock note, a torn
/// tail, the postmortem, an `--output` file, the history) is refused, and the file it points
/// to is left as it was. Everything warroom writes is mode 0600.
@Suite struct PrivateFileTests {
    static func plant(_ link: String, in folder: TemporaryFolder) throws -> String {
        try HostileInput.plantLink(link, in: folder)
    }

    static func mode(_ path: String) throws -> Int {
        try HostileInput.mode(path)
    }

    @Test func writingReplacesAFileWithMode0600AndRefusesALink() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("out.md")
        try "old".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        try PrivateFile.write("new", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
        #expect(try Self.mode(path) == 0o600)

        let link = folder.file("link.md")
        let victim = try Self.plant(link, in: folder)
        #expect(throws: PrivateFileError.symlink(path: link)) { try PrivateFile.write("overwritten", to: link) }
        #expect(throws: PrivateFileError.symlink(path: link)) { try PrivateFile.open(forWriting: link, truncate: true) }
        #expect(throws: PrivateFileError.symlink(path: link)) { try PrivateFile.create(link) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(throws: PrivateFileError.notAFile(path: folder.path)) { try PrivateFile.write("x", to: folder.path) }
        // Nothing is left behind by a refusal.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    /// A closed room's export and postmortem are new files: never one that is there already,
    /// never through a link.
    @Test func aNewFileIsWrittenOnlyWhereNothingIsYet() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("export.jsonl")
        try PrivateFile.writeNew(Array("line\n".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "line\n")
        #expect(try Self.mode(path) == 0o600)
        #expect(throws: PrivateFileError.exists(path: path)) { try PrivateFile.writeNew(Array("again\n".utf8), to: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "line\n")
        let link = folder.file("link.jsonl")
        let victim = try Self.plant(link, in: folder)
        #expect(throws: PrivateFileError.symlink(path: link)) { try PrivateFile.writeNew(Array("x".utf8), to: link) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
    }

    @Test func aLinkPlantedAtTheLockNoteIsRefusedAndItsTargetUntouched() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try SingleWriterTests.pausedIncident(in: folder)
        let victim = try Self.plant(TranscriptWriter.notePath(for: path), in: folder)
        #expect(throws: TranscriptError.symlink(path: TranscriptWriter.notePath(for: path))) {
            _ = try Session.resume(path: path, responder: "tester", source: .fixed(SessionTests.t0))
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(try TranscriptLog.read(path: path).entries.last?.kind == .pause, "nothing appended")
    }

    @Test func aLinkPlantedAtTheTornTailIsNotFollowed() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try SingleWriterTests.pausedIncident(in: folder)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"seq":4,"at":"2023-11-05T03:"#.utf8))
        handle.closeFile()
        let victim = try Self.plant("\(path).torn-4", in: folder)
        let (session, notices) = try Session.resume(path: path, responder: "tester", source: .fixed(SessionTests.t0))
        #expect(session.handle("quit").error == nil)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(notices.contains { $0.contains("set aside in \(path).torn-4.2") })
        #expect(try String(contentsOfFile: "\(path).torn-4.2", encoding: .utf8) == #"{"seq":4,"at":"2023-11-05T03:"#)
        #expect(try Self.mode("\(path).torn-4.2") == 0o600)
    }

    @Test func aTranscriptThatIsALinkIsNotResumed() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try SingleWriterTests.pausedIncident(in: folder)
        let link = folder.file("link.jsonl")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        #expect(throws: TranscriptError.symlink(path: link)) {
            _ = try Session.resume(path: link, responder: "tester", source: .fixed(SessionTests.t0))
        }
    }

    @Test func thePostmortemWrittenOnCloseIs0600AndNeverThroughALink() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let session = try SessionTests().open(folder)
        let victim = try Self.plant(session.postmortemPath, in: folder)
        let reply = session.handle("close all good")
        #expect(reply.output.contains("The postmortem could not be written ('\(session.postmortemPath)' is a symbolic link"), "\(reply.output)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")

        let other = try TemporaryFolder()
        defer { other.cleanUp() }
        let second = try SessionTests().open(other)
        #expect(second.handle("postmortem --output \(victim)").error == nil)
        #expect(try Self.mode(victim) == 0o600)
        let link = other.file("link.md")
        let target = try Self.plant(link, in: other)
        #expect(second.handle("postmortem --output \(link)").error?.contains("is a symbolic link, and warroom never writes through one") == true)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious\n")
        #expect(second.handle("close").error == nil)
        #expect(try Self.mode(second.postmortemPath) == 0o600)
        #expect(try Self.mode(second.path) == 0o600)
    }
}
