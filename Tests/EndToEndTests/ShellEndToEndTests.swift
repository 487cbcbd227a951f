import Foundation
import Testing
import WarRoomTestSupport
import WarRoomKit

@Suite struct ShellEndToEndTests {
    func start(_ folder: TemporaryFolder, _ script: String, extra: [String] = []) throws -> ProcessResult {
        try WarRoomBinary.run(["start", "--free-form", "--clock", "virtual", "--speed", "0", "--title", "E2E", "--transcripts", folder.path] + extra, input: script)
    }

    @Test func aPipedScriptPrintsNoPromptAndRecordsEveryCommand() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let result = try start(folder, "note first\nhyp DDoS\nrule-out H1 baseline traffic\nstatus\nquit\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("> "))
        #expect(!result.stdout.contains("\u{1B}"))
        #expect(result.stdout.contains("H1 ruled out: DDoS"))
        let path = try #require(transcripts(in: folder.path).first)
        let log = try TranscriptLog.read(path: path)
        #expect(log.entries.map(\.kind) == [.open, .note, .hypothesis, .hypothesis, .command, .pause])
        #expect(log.entries[1].input == "note first")
    }

    @Test func aFailingCommandMakesTheScriptExitOneWithTheErrorOnStderr() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let result = try start(folder, "stauts\nnote still recorded\n")
        #expect(result.status == 1)
        #expect(result.stderr.contains("line 1: error: unknown command 'stauts'; did you mean 'status'?"))
        #expect(result.stdout.contains("noted"))
    }

    @Test func escapeSequencesAndNulsAreStoredFaithfullyAndShownHarmlessly() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var script = Array("note red \u{1B}[31malert\u{1B}[0m and nul ".utf8)
        script.append(0)
        script.append(contentsOf: Array(" end\ntimeline\n".utf8))
        let result = try WarRoomBinary.run(["start", "--free-form", "--clock", "virtual", "--speed", "0", "--transcripts", folder.path], inputBytes: script)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("\u{1B}"))
        #expect(result.stdout.contains("^[[31malert"))
        let path = try #require(transcripts(in: folder.path).first)
        let raw = String(decoding: try TranscriptLog.readBytes(path: path), as: UTF8.self)
        #expect(raw.contains(#"red \u001b[31malert\u001b[0m and nul \u0000 end"#))
        let log = try TranscriptLog.read(path: path)
        #expect(log.entries[1].text == "red \u{1B}[31malert\u{1B}[0m and nul \u{0} end")
    }

    @Test func aMissingTranscriptsFolderFailsBeforeTheShellOpens() throws {
        let result = try WarRoomBinary.run(["start", "--free-form", "--transcripts", "/nonexistent/warroom"], input: "note x\n")
        #expect(result.status == 74)
        #expect(result.stderr.contains("transcripts folder '/nonexistent/warroom' does not exist"))
        #expect(result.stdout.isEmpty)
    }

    @Test func aReadOnlyTranscriptsFolderFailsWithExit74() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        // /proc is read-only for everyone, root included.
        let result = try WarRoomBinary.run(["start", "--free-form", "--transcripts", "/proc/self"], input: "note x\n")
        #expect(result.status == 74)
        #expect(result.stderr.contains("warroom: error:"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test(arguments: [
        (["--speed", "-1"], [:], "--speed must be a number of simulated seconds per real second, 0…1000000"),
        (["--speed", "nan"], [:], "--speed must be a number of simulated seconds per real second, 0…1000000"),
        // Found by a black-box attack: these trapped (exit 132) or hung.
        (["--speed", "1e300"], [:], "--speed must be a number of simulated seconds per real second, 0…1000000"),
        (["--speed", "1e9"], [:], "--speed must be a number of simulated seconds per real second, 0…1000000"),
        (["--shell-timeout", "9999999999999999h"], [:], "--shell-timeout takes a duration like 30s or 2m: '9999999999999999h' is out of range: --shell-timeout must be more than 0 and at most 1d"),
        (["--title", " "], [:], "--title is empty"),
        (["--as", ""], [:], "the responder's name (--as, $WARROOM_USER or $USER) must be one word"),
        (["--as", "two words"], [:], "the responder's name (--as, $WARROOM_USER or $USER) must be one word"),
        ([], ["WARROOM_USER": "esc\u{1B}[31m"], "must be one word without control characters, as the shell's `as NAME` takes it, not 'esc^[[31m'"),
        (["--shell-timeout", "0s"], [:], "'0s' is out of range: --shell-timeout must be more than 0 and at most 1d"),
        (["--shell-output-cap", "-5"], [:], "--shell-output-cap must be a number of bytes, 1…64 MiB, not -5"),
        (["--shell-output-cap", "68719476736"], [:], "--shell-output-cap must be a number of bytes, 1…64 MiB, not 68719476736"),
    ] as [([String], [String: String], String)])
    func badStartOptionsExit64WithOneLineAndOpenNothing(arguments: [String], environment: [String: String], message: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let result = try WarRoomBinary.run(["start", "--transcripts", folder.path] + arguments, input: "note x\n", directory: repositoryRoot,
                                           environment: environment)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("warroom: error: "), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stdout.isEmpty)
        #expect(transcripts(in: folder.path).isEmpty, "no incident was opened")
    }

    @Test func resumeVerifyListAndTimelineWorkOnTheSameTranscript() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        _ = try start(folder, "mark detected\nadvance 10m\nmark acknowledged\n")
        let path = try #require(transcripts(in: folder.path).first)
        let resumed = try WarRoomBinary.run(["resume", path], input: "advance 5m\nstatus\nclose all good\n")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("acknowledged 03:") || resumed.stdout.contains("acknowledged"))
        let verify = try WarRoomBinary.run(["verify", path])
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("OK, 9 entries"))
        let list = try WarRoomBinary.run(["list", "--transcripts", folder.path])
        #expect(list.stdout.contains("closed"))
        #expect(list.stdout.contains("15m"))
        let timeline = try WarRoomBinary.run(["timeline", path])
        #expect(timeline.stdout.contains("milestone  acknowledged"))
        let again = try WarRoomBinary.run(["resume", path], input: "note x\n")
        #expect(again.status == 1)
        #expect(again.stderr.contains("is closed"))
    }

    @Test func verifyNamesTheFirstBadSeqAndExitsOne() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        _ = try start(folder, "note one\nnote two\nnote three\n")
        let path = try #require(transcripts(in: folder.path).first)
        var text = String(decoding: try TranscriptLog.readBytes(path: path), as: UTF8.self)
        text = text.replacingOccurrences(of: "note two", with: "note 2wo")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let verify = try WarRoomBinary.run(["verify", path])
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("FAILED at seq 3"))
    }

    @Test func sigkillMidSessionLosesNothingAcknowledged() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let shell = try ChildProcess(WarRoomBinary.path, ["start", "--free-form", "--clock", "virtual", "--speed", "0", "--transcripts", folder.path],
                                     environment: ["NO_COLOR": "1", "WARROOM_HISTORY": "/dev/null", "WARROOM_USER": "kill-test", "PATH": "/usr/bin:/bin"])
        var acknowledged: [String] = []
        for index in 1...20 {
            try shell.send(Array("note entry \(index)\n".utf8))
            // Wait for the acknowledgement: the shell prints it only after the fsync.
            let seen = shell.stdout.wait(seconds: 60) { $0.contains("noted (#\(index + 1))") }
            try #require(seen, "entry \(index) was not acknowledged: \(shell.stderr.text)")
            acknowledged.append("entry \(index)")
        }
        kill(shell.pid, SIGKILL)
        #expect(shell.wait().status == 128 + SIGKILL)
        let path = try #require(transcripts(in: folder.path).first)
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path)).isValid)
        let log = try TranscriptLog.read(path: path)
        #expect(log.entries.filter { $0.kind == .note }.map(\.text) == acknowledged)
        let resumed = try WarRoomBinary.run(["resume", path], input: "note after the crash\nquit\n")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try TranscriptLog.read(path: path).entries.last?.kind == .pause)
    }
}

@Suite struct SystemShellEndToEndTests {
    @Test func bangCommandsRecordOutputExitCodeTimeoutAndTruncation() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let script = "!echo hello from sh; exit 3\n!sleep 5\n!head -c 5000 /dev/zero | tr '\\\\0' x\n"
        let result = try WarRoomBinary.run(["start", "--free-form", "--clock", "virtual", "--speed", "0", "--allow-shell", "--shell-timeout", "500ms",
                                            "--shell-output-cap", "1000", "--transcripts", folder.path], input: script)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("hello from sh\n[exit 3]"))
        #expect(result.stdout.contains("[stopped after 0.5 s]"))
        #expect(result.stdout.contains("[output truncated: 5000 bytes, 1000 kept]"))
        let path = try #require(transcripts(in: folder.path).first)
        let shells = try TranscriptLog.read(path: path).entries.filter { $0.kind == .shell }
        #expect(shells.count == 3)
        #expect(shells[0].data["exit_code"] == .number(3))
        #expect(shells[1].data["timed_out"] == .bool(true))
        #expect(shells[1].data["timeout_s"] == .number(0.5))
        #expect(shells[2].data["truncated"] == .bool(true))
        #expect(shells[2].data["output_bytes"] == .number(5000))
        #expect(shells[2].text.count == 1000)
    }

    @Test func aPipedScriptCannotRunShellCommandsWithoutAllowShell() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let result = try WarRoomBinary.run(["start", "--free-form", "--transcripts", folder.path], input: "!touch \(folder.file("pwned"))\n")
        #expect(result.status == 1)
        #expect(result.stderr.contains("--allow-shell"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("pwned")))
    }
}
