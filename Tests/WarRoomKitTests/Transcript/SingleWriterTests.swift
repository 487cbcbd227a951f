import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// One writer for real: the lock is on the transcript itself and is taken before a byte is
/// read, so concurrent `resume`s never break the chain and deleting `ID.jsonl.lock` lets no
/// second writer in. Open-file-description locks conflict between descriptors, not processes,
/// so threads of one process race here just as `resume` processes do.
@Suite struct SingleWriterTests {
    /// A paused free-form incident with one note.
    static func pausedIncident(in folder: TemporaryFolder) throws -> String {
        let session = try SessionTests().open(folder)
        #expect(session.handle("note first").error == nil)
        #expect(session.handle("quit").error == nil)
        return session.path
    }

    /// What the racing resumes did.
    final class Outcomes: @unchecked Sendable {
        // Unchecked: every access holds `lock`.
        private let lock = NSLock()
        private(set) var wrote = 0
        private(set) var refused = 0
        private(set) var other: [String] = []

        func add(wrote: Bool, problem: String? = nil) {
            lock.lock()
            defer { lock.unlock() }
            if let problem { other.append(problem) } else if wrote { self.wrote += 1 } else { refused += 1 }
        }
    }

    @Test func fiveConcurrentResumesFiftyTimesNeverBreakTheChain() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.pausedIncident(in: folder)
        let outcomes = Outcomes()
        for round in 0..<50 {
            // A process another test spawns at the instant a racer lets go holds a copy of the
            // transcript's descriptor (and so its lock) until it execs: a round in which all
            // five were refused is run again, a few times at most.
            let before = outcomes.wrote
            for attempt in 0..<5 where outcomes.wrote == before {
            // Later attempts wait a little longer, for that process to exec on a busy machine.
            usleep(useconds_t(attempt) * 50_000)
            DispatchQueue.concurrentPerform(iterations: 5) { racer in
                do {
                    let (session, _) = try Session.resume(path: path, responder: "racer\(racer)", source: .fixed(SessionTests.t0))
                    session.syncsToDisk = false
                    let noted = session.handle("note round \(round) racer \(racer)").error
                    let quit = session.handle("quit").error
                    outcomes.add(wrote: true, problem: noted ?? quit)
                } catch let error as TranscriptError {
                    if case .locked = error { outcomes.add(wrote: false) } else { outcomes.add(wrote: false, problem: "\(error)") }
                } catch {
                    outcomes.add(wrote: false, problem: "\(error)")
                }
            }
            }
        }
        #expect(outcomes.other.isEmpty, "\(outcomes.other.prefix(3))")
        #expect(outcomes.wrote >= 50, "at least one resume a round gets in")
        #expect((outcomes.wrote + outcomes.refused) % 5 == 0 && outcomes.wrote + outcomes.refused >= 250)
        let report = TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path))
        #expect(report.isValid, "\(report.problem.map(String.init(describing:)) ?? "")")
        let entries = try TranscriptLog.read(path: path).entries
        #expect(entries.map(\.seq) == Array(1...entries.count))
        #expect(entries.filter { $0.kind == .note }.count == 1 + outcomes.wrote)
    }

    @Test func deletingTheLockNoteLetsNoSecondWriterIn() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.pausedIncident(in: folder)
        let (first, _) = try Session.resume(path: path, responder: "alice", source: .fixed(SessionTests.t0))
        let note = TranscriptWriter.notePath(for: path)
        #expect(try String(contentsOfFile: note, encoding: .utf8) == "\(getpid())\n")
        try FileManager.default.removeItem(atPath: note)
        #expect(throws: TranscriptError.locked(path: path, pid: nil)) {
            _ = try Session.resume(path: path, responder: "mallory", source: .fixed(SessionTests.t0))
        }
        #expect(first.handle("note still the only writer").error == nil)
        #expect(first.handle("quit").error == nil)
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path)).isValid)
        #expect(!FileManager.default.fileExists(atPath: note), "the note goes when the writer does")
        // Free again: the next resume gets in.
        let (next, _) = try Session.resume(path: path, responder: "bob", source: .fixed(SessionTests.t0))
        #expect(next.handle("quit").error == nil)
    }

    @Test func theListShowsWhoHoldsAnOpenIncident() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.pausedIncident(in: folder)
        #expect(try IncidentCatalog.list(folder: folder.path).map(\.status) == ["paused"])
        let (session, _) = try Session.resume(path: path, responder: "alice", source: .fixed(SessionTests.t0))
        #expect(try IncidentCatalog.list(folder: folder.path).map(\.status) == ["open (pid \(getpid()))"])
        try FileManager.default.removeItem(atPath: TranscriptWriter.notePath(for: path))
        #expect(try IncidentCatalog.list(folder: folder.path).map(\.status) == ["open"])
        withExtendedLifetime(session) {}
    }

    @Test(.timeLimit(.minutes(1)))
    func aFIFONamedLikeATranscriptDoesNotHangTheList() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        _ = try Self.pausedIncident(in: folder)
        #expect(mkfifo(folder.file("trap.jsonl"), 0o600) == 0)
        #expect(try IncidentCatalog.list(folder: folder.path).count == 1)
    }

    @Test func aTranscriptFailingVerificationIsRefusedUnlessAccepted() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.pausedIncident(in: folder)
        let original = try String(contentsOfFile: path, encoding: .utf8)
        try original.replacingOccurrences(of: "note first", with: "note FIRST").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TranscriptError.brokenChain(path: path, seq: 2, reason: "hash mismatch: the entry or one before it was changed")) {
            _ = try Session.resume(path: path, responder: "tester", source: .fixed(SessionTests.t0))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8).count == original.count, "nothing appended")
        #expect(!FileManager.default.fileExists(atPath: TranscriptWriter.notePath(for: path)), "the lock was let go")

        let (session, notices) = try Session.resume(path: path, responder: "tester", source: .fixed(SessionTests.t0), acceptBrokenChain: true)
        #expect(notices.contains { $0.contains("fails verification at seq 2") })
        let resume = try #require(TranscriptLog.read(path: path).entries.last)
        #expect(resume.kind == .resume)
        #expect(resume.data["broken_chain"]?["seq"] == 2)
        #expect(resume.data["broken_chain"]?["reason"] == "hash mismatch: the entry or one before it was changed")
        #expect(session.handle("quit").error == nil)
        // What was appended continues the stored chain: the problem stays where it was.
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path)).problem?.seq == 2)
    }

    @Test func aTornLineIsNotABrokenChain() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = try Self.pausedIncident(in: folder)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"seq":4,"at":"2023-11-05T03:"#.utf8))
        handle.closeFile()
        let (session, notices) = try Session.resume(path: path, responder: "tester", source: .fixed(SessionTests.t0))
        #expect(notices.contains { $0.contains("set aside in \(path).torn-4") })
        #expect(session.handle("quit").error == nil)
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path)).isValid)
    }
}
