import Foundation
import Testing
import WarRoomTestSupport
import WarRoomKit

/// What a black-box attack on the binary found, each as the user meets it: exit codes and one
/// line instead of a trap (132), a hang or a second writer.
@Suite struct HardeningEndToEndTests {
    func start(_ folder: TemporaryFolder, _ script: String) throws -> ProcessResult {
        try WarRoomBinary.run(["start", "--free-form", "--clock", "virtual", "--speed", "0", "--title", "E2E", "--transcripts", folder.path], input: script)
    }

    /// Rounds of five racing `resume` processes; `WARROOM_RESUME_ROUNDS=100` runs the full
    /// measurement docs/RELIABILITY.md records.
    static let rounds = Int(ProcessInfo.processInfo.environment["WARROOM_RESUME_ROUNDS"] ?? "") ?? 4

    @Test func fiveConcurrentResumeProcessesNeverBreakTheChain() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        #expect(try start(folder, "note first\n").status == 0)
        let path = try #require(transcripts(in: folder.path).first)
        var wrote = 0
        for round in 0..<Self.rounds {
            let racers = try (0..<5).map { racer in
                let child = try WarRoomBinary.start(["resume", path])
                try child.send(Array("note round \(round) racer \(racer)\nquit\n".utf8))
                child.closeInput()
                return child
            }
            for child in racers {
                let status = child.wait().status
                if status == 0 {
                    wrote += 1
                } else {
                    #expect(status == 74 && child.stderr.text.contains("is open in"), "exit \(status): \(child.stderr.text)")
                }
            }
        }
        #expect(wrote >= Self.rounds)
        let verify = try WarRoomBinary.run(["verify", path])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(try TranscriptLog.read(path: path).entries.filter { $0.kind == .note }.count == 1 + wrote)
    }

    @Test func deletingTheLockFileOfALiveSessionLetsNoSecondWriterIn() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        #expect(try start(folder, "note first\n").status == 0)
        let path = try #require(transcripts(in: folder.path).first)
        let note = TranscriptWriter.notePath(for: path)
        #expect(!FileManager.default.fileExists(atPath: note), "no lock file stays behind a paused session")

        let first = try WarRoomBinary.start(["resume", path])
        let deadline = Date().addingTimeInterval(30)
        while (try? String(contentsOfFile: note, encoding: .utf8)) != "\(first.pid)\n", Date() < deadline { usleep(10_000) }
        try FileManager.default.removeItem(atPath: note)

        let second = try WarRoomBinary.run(["resume", path], input: "note intruder\nquit\n")
        #expect(second.status == 74)
        #expect(second.stderr == "warroom: error: '\(path)' is open in another process; one writer at a time — quit that session first (or, if it is gone, retry)\n")

        try first.send(Array("note still the only writer\nquit\n".utf8))
        first.closeInput()
        #expect(first.wait().status == 0, "\(first.stderr.text)")
        #expect(try WarRoomBinary.run(["verify", path]).status == 0)
        let notes = try TranscriptLog.read(path: path).entries.filter { $0.kind == .note }.map(\.text)
        #expect(notes == ["first", "still the only writer"])
    }

    @Test func resumeRefusesATamperedTranscriptNamingTheSeqUnlessAccepted() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        #expect(try start(folder, "note first\nnote second\n").status == 0)
        let path = try #require(transcripts(in: folder.path).first)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"text\":\"second\"", with: "\"text\":\"edited\"").write(toFile: path, atomically: true, encoding: .utf8)
        let refused = try WarRoomBinary.run(["resume", path], input: "note after\nquit\n")
        #expect(refused.status == 65)
        #expect(refused.stderr.hasPrefix("warroom: error: '\(path)' fails verification at seq 3 (hash mismatch"))
        #expect(refused.stderr.contains("warroom resume --accept-broken-chain"))
        let accepted = try WarRoomBinary.run(["resume", "--accept-broken-chain", path], input: "note after\nquit\n")
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stderr.contains("fails verification at seq 3"))
        let resume = try #require(TranscriptLog.read(path: path).entries.first { $0.kind == .resume })
        #expect(resume.data["broken_chain"]?["seq"] == 3)
    }

    @Test func aTranscriptWithAManyDigitTimeNoLongerKillsList() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        #expect(try start(folder, "note first\n").status == 0)
        let path = try #require(transcripts(in: folder.path).first)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: ".000Z\",\"wall\"", with: ".0004999Z\",\"wall\"")
            .write(toFile: folder.file("edited.jsonl"), atomically: true, encoding: .utf8)
        let list = try WarRoomBinary.run(["list", "--transcripts", folder.path])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.components(separatedBy: "E2E").count == 3, "both incidents listed: \(list.stdout)")
        #expect(try WarRoomBinary.run(["timeline", folder.file("edited.jsonl")]).status == 0)
    }

    @Test func aNegativeTimelineLengthIsAUsageErrorNotATrap() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        #expect(try start(folder, "note first\ntimeline --last -1\ntimeline --last 99999999999999999999\n").stderr.split(separator: "\n").count == 2)
        let path = try #require(transcripts(in: folder.path).first)
        let result = try WarRoomBinary.run(["timeline", path, "--last=-1"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--last needs a number of entries, 1…1000000000, not -1"))
    }

    @Test func anAliasBombIsRefusedWithinATimeAndMemoryBound() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try HostileInput.playbookBomb.write(toFile: folder.file("bomb.yaml"), atomically: true, encoding: .utf8)
        try HostileInput.scenarioBomb.write(toFile: folder.file("sbomb.yaml"), atomically: true, encoding: .utf8)
        // Half a gigabyte of address space and ten seconds: before, this took 3 GB and 20 s.
        for (kind, file) in [("playbooks", "bomb.yaml"), ("scenarios", "sbomb.yaml")] {
            let result = try ChildProcess.run("/bin/sh", ["-c", "ulimit -v 524288; exec \"$0\" \(kind) lint \(file)", WarRoomBinary.path],
                                              environment: WarRoomBinary.environment([:]), directory: folder.path, seconds: 10)
            #expect(result.status == 1, "\(kind): \(result.stderr)")
            #expect(result.stdout.contains("\(file):") && result.stdout.contains("alias '*a5' expands the file past 1000000 YAML nodes"), "\(result.stdout)")
        }
    }

    @Test func whatWarroomPrintsIsSanitizedEvenArgumentParsersOwnMessages() throws {
        let result = try WarRoomBinary.run(["start", "--frobnicate\u{1B}]0;pwned\u{07}\u{1B}[2J"])
        #expect(result.status == 64)
        #expect(!result.stderr.contains("\u{1B}"))
        #expect(result.stderr.contains("--frobnicate^[]0;pwned^G^[[2J"))
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let lint = try WarRoomBinary.run(["scenarios", "lint", folder.file("no\u{1B}[31mfile.yaml")])
        #expect(!lint.stdout.contains("\u{1B}") && lint.stdout.contains("no^[[31mfile.yaml"))
    }

    /// Escape sequences and bidirectional controls typed into a title, a note, a hypothesis or
    /// a mistyped command reach no output raw: not the shell's views, notices or errors, not
    /// `timeline`, `list` or `status` from the command line.
    @Test func escapesAndBidiControlsReachNoOutputPathRaw() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let hostile = "a\u{1B}]0;pwned\u{07}\u{1B}[2Jb\u{202E}evil\u{2066}c\u{200F}"
        let shell = try WarRoomBinary.run(["start", "--free-form", "--clock", "virtual", "--speed", "0", "--title", "T \(hostile)", "--transcripts", folder.path],
                                          input: "note \(hostile)\nhyp \(hostile)\nrule-out H9 \(hostile)\n\(hostile)\nstatus\ntimeline\nhypotheses\nquit\n")
        let path = try #require(transcripts(in: folder.path).first)
        let outputs = [("shell", shell.stdout + shell.stderr)]
            + (try [["timeline", path], ["list", "--transcripts", folder.path], ["postmortem", path, "--check"]].map { arguments in
                let run = try WarRoomBinary.run(arguments)
                return (arguments[0], run.stdout + run.stderr)
            })
        for (name, output) in outputs {
            #expect(!output.unicodeScalars.contains { [0x1B, 0x07, 0x202E, 0x2066, 0x200F].contains($0.value) }, "\(name): \(output.debugDescription)")
        }
        #expect(outputs[0].1.contains("^u{202e}evil"), "\(outputs[0].1)")
        #expect(outputs[1].1.contains("a^[]0;pwned^G^[[2Jb^u{202e}evil^u{2066}c^u{200f}"), "\(outputs[1].1)")
    }

    @Test func postmortemOutputNeverWritesThroughALinkAndIsPrivate() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        #expect(try start(folder, "note first\n").status == 0)
        let path = try #require(transcripts(in: folder.path).first)
        let victim = try HostileInput.plantLink(folder.file("pm.md"), in: folder)
        let refused = try WarRoomBinary.run(["postmortem", path, "--output", folder.file("pm.md")])
        #expect(refused.status == 74)
        #expect(refused.stderr.contains("is a symbolic link, and warroom never writes through one"))
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        let written = try WarRoomBinary.run(["postmortem", path, "--output", folder.file("real.md")])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(try HostileInput.mode(folder.file("real.md")) == 0o600)
    }
}
