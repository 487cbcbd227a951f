import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Whether this process may mount a tmpfs: tried once on a scratch folder.
enum Tmpfs {
    static let canMount: Bool = {
        guard getuid() == 0, let folder = try? TemporaryFolder() else { return false }
        defer { folder.cleanUp() }
        guard let mounted = try? ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", folder.path], environment: [:], seconds: 30),
            mounted.status == 0
        else { return false }
        _ = try? ChildProcess.run("/bin/umount", [folder.path], environment: [:], seconds: 30)
        return true
    }()
}

/// A disk that fills up mid-incident: on a 64 KiB tmpfs. Mounting one needs root (CI runs as
/// root); elsewhere the suite is reported as skipped.
@Suite(.enabled(if: Tmpfs.canMount, "mounting a tmpfs needs root")) struct FullDiskTests {
    @Test func aFullDiskRefusesEntriesLosesNoneAcknowledgedAndTheIncidentResumesOnceThereIsRoom() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let disk = folder.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mounted = try ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", disk], environment: [:], seconds: 30)
        try #require(mounted.status == 0, "mount: \(mounted.stderr)")
        defer { _ = try? ChildProcess.run("/bin/umount", [disk], environment: [:], seconds: 30) }

        let script = (1...100).map { "note filler \($0) " + String(repeating: "x", count: 900) }.joined(separator: "\n") + "\n"
        let result = try WarRoomBinary.run(["start", "--free-form", "--clock", "virtual", "--speed", "0", "--transcripts", disk], input: script)
        #expect(result.status == 1)
        let refusals = result.stderr.split(separator: "\n").filter { $0.contains("No space left on device; the entry was not written") }
        #expect(refusals.count > 10, "\(result.stderr.prefix(400))")
        let path = try #require(transcripts(in: disk).first)
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path)).isValid)
        // Every note the shell acknowledged is in the transcript, and nothing else.
        let acknowledged = result.stdout.split(separator: "\n").filter { $0.hasPrefix("noted (#") }.count
        let notes = try TranscriptLog.read(path: path).entries.filter { $0.kind == .note }
        #expect(acknowledged > 0)
        #expect(notes.count == acknowledged)
        #expect(notes.map(\.text) == (1...acknowledged).map { "filler \($0) " + String(repeating: "x", count: 900) })

        // Room again: the incident resumes where it stood and records.
        let grown = try ChildProcess.run("/bin/mount", ["-o", "remount,size=1m", disk], environment: [:], seconds: 30)
        try #require(grown.status == 0, "remount: \(grown.stderr)")
        let resumed = try WarRoomBinary.run(["resume", path], input: "note disk grown\nquit\n")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let log = try TranscriptLog.read(path: path)
        #expect(log.entries.filter { $0.kind == .note }.count == acknowledged + 1)
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path)).isValid)
    }
}
