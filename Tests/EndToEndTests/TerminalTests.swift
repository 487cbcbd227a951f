import Foundation
import Testing
import WarRoomTestSupport
import WarRoomKit

/// Drives the shell under a real pseudo-terminal (tmux) to check what only a terminal shows:
/// completion, history across sessions, Ctrl-R, Ctrl-C and Ctrl-D, and UTF-8 editing.
@Suite(.serialized) struct TerminalTests {
    final class Tmux {
        let name = "warroom-test-\(UUID().uuidString.prefix(8))"

        init(command: String) throws {
            // A server of its own (-L): nothing another test or the user runs in tmux can
            // interfere, and killing it at the end leaves nothing behind.
            try tmux(["-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "150", "-y", "40", command])
        }

        deinit { _ = try? tmux(["kill-server"]) }

        func send(_ keys: String...) throws {
            try tmux(["send-keys", "-t", name] + keys)
        }

        /// Types text literally (no key-name interpretation).
        func type(_ text: String) throws {
            try tmux(["send-keys", "-t", name, "-l", text])
        }

        func screen() throws -> String {
            try tmux(["capture-pane", "-p", "-t", name])
        }

        /// Waits (bounded) until the screen satisfies `condition`.
        @discardableResult
        func waitFor(_ what: String, timeout: Double = 10, _ condition: (String) -> Bool) throws -> String {
            let deadline = Date().addingTimeInterval(timeout)
            var text = ""
            while Date() < deadline {
                text = try screen()
                if condition(text) { return text }
                usleep(20_000)
            }
            Issue.record("timed out waiting for \(what); screen:\n\(text)")
            return text
        }

        /// Waits until `condition` holds and the shell shows its prompt again, ready for keys.
        func waitForPrompt(_ what: String, _ condition: @escaping (String) -> Bool) throws {
            try waitFor(what) { screen in
                let last = screen.split(separator: "\n").last.map(String.init) ?? ""
                return condition(screen) && last.hasSuffix(" >")
            }
        }

        /// Runs a tmux command on this test's own tmux server.
        @discardableResult
        func tmux(_ arguments: [String]) throws -> String {
            let result = try ChildProcess.run("/usr/bin/tmux", ["-L", name] + arguments, environment: ProcessInfo.processInfo.environment, seconds: 30)
            guard result.status == 0 || arguments.first == "kill-server" else {
                throw ChildProcess.Failure(description: "tmux \(arguments.joined(separator: " ")) exited with \(result.status): \(result.stderr)")
            }
            return result.stdout
        }
    }

    static func requireTmux() throws {
        let found = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")
        try #require(found, "tmux is not installed: run scripts/setup test (apt-get install tmux)")
    }

    func command(_ folder: TemporaryFolder, _ arguments: String) -> String {
        "env NO_COLOR=1 WARROOM_USER=tty WARROOM_HISTORY=\(folder.file("history")) \(WarRoomBinary.path) \(arguments); echo EXITED-$?; sleep 30"
    }

    @Test func completionCtrlCUtf8AndCtrlD() throws {
        try Self.requireTmux()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let tmux = try Tmux(command: command(folder, "start --free-form --clock virtual --speed 0 --transcripts \(folder.path)"))
        try tmux.waitForPrompt("the prompt") { $0.contains("detection +00:00 >") }

        try tmux.type("sta")
        try tmux.send("Tab")
        try tmux.waitFor("completed 'status'") { $0.contains("> status") }
        try tmux.send("Enter")
        try tmux.waitForPrompt("status output") { $0.contains("milestones: none") }

        try tmux.type("note discarded")
        try tmux.send("C-c")
        try tmux.waitForPrompt("^C and a fresh prompt") { $0.contains("^C") }

        try tmux.type("hyp wörds ünïcode")
        try tmux.send("Left", "Left", "BSpace")
        try tmux.type("X")
        try tmux.send("Enter")
        try tmux.waitForPrompt("the hypothesis") { $0.contains("H1: wörds ünïcXde") }

        try tmux.type("rule-out ")
        try tmux.send("Tab")
        try tmux.waitFor("H1 completed") { $0.contains("rule-out H1") }
        try tmux.type("baseline traffic")
        try tmux.send("Enter")
        try tmux.waitForPrompt("ruled out") { $0.contains("H1 ruled out") }

        try tmux.send("C-d")
        try tmux.waitFor("pause and exit") { $0.contains("EXITED-0") }

        let path = try #require(transcripts(in: folder.path).first)
        let log = try TranscriptLog.read(path: path)
        #expect(log.entries.map(\.kind) == [.open, .command, .hypothesis, .hypothesis, .pause])
        #expect(!log.entries.contains { $0.text.contains("discarded") })
        #expect(log.entries[2].text == "wörds ünïcXde")
    }

    @Test func historySurvivesSessionsAndCtrlRSearchesIt() throws {
        try Self.requireTmux()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        do {
            let first = try Tmux(command: command(folder, "start --free-form --clock virtual --speed 0 --transcripts \(folder.path)"))
            try first.waitForPrompt("the prompt") { $0.contains("+00:00 >") }
            try first.type("note remembered across sessions")
            try first.send("Enter")
            try first.type("status")
            try first.send("Enter")
            try first.waitForPrompt("status") { $0.contains("milestones:") }
            try first.type("quit")
            try first.send("Enter")
            try first.waitFor("exit") { $0.contains("EXITED-0") }
        }
        let path = try #require(transcripts(in: folder.path).first)
        let second = try Tmux(command: command(folder, "resume \(path)"))
        try second.waitForPrompt("the prompt") { $0.contains("+00:00 >") }
        try second.send("Up", "Up", "Up")
        try second.waitFor("history recall") { $0.contains("> note remembered across sessions") }
        try second.send("Enter")
        try second.waitForPrompt("the recalled note recorded") { $0.contains("noted (#") }
        try second.send("C-r")
        try second.type("remem")
        try second.waitFor("reverse search") { $0.contains("bck:remem") }
        try second.send("Enter")
        try second.waitForPrompt("the searched note recorded") { $0.components(separatedBy: "noted (#").count == 3 }
        try second.send("C-d")
        try second.waitFor("exit") { $0.contains("EXITED-0") }
        let notes = try TranscriptLog.read(path: path).entries.filter { $0.kind == .note }.map(\.text)
        #expect(notes == Array(repeating: "remembered across sessions", count: 3))
    }

    /// A title is stored in the transcript, so a crafted transcript reaches whoever resumes it:
    /// its window-title and clear-screen sequences must show as text, while warroom's own
    /// colours still work.
    @Test func escapeSequencesInATitleNeverReachTheTerminalWhileColoursStillDo() throws {
        try Self.requireTmux()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let title = "Outage \u{1B}]0;PWNED\u{07}\u{1B}[2J\u{1B}[31mred"
        let shown = "Outage ^[]0;PWNED^G^[[2J^[[31mred"
        // No NO_COLOR here: colour is on, as on a responder's terminal.
        let prefix = "echo BEFORE; env -u NO_COLOR WARROOM_USER=tty WARROOM_HISTORY=\(folder.file("history")) \(WarRoomBinary.path)"
        let titleFile = folder.file("title")
        try title.write(toFile: titleFile, atomically: true, encoding: .utf8)
        for arguments in ["start --free-form --clock virtual --speed 0 --transcripts \(folder.path) --title \"$(cat \(titleFile))\"", "resume FILE"] {
            let command = arguments == "resume FILE" ? "resume \(try #require(transcripts(in: folder.path).first))" : arguments
            let tmux = try Tmux(command: "\(prefix) \(command); echo EXITED-$?; sleep 30")
            try tmux.waitForPrompt("the banner and the prompt") { $0.contains(shown) }
            let screen = try tmux.screen()
            #expect(screen.contains("BEFORE"), "the screen was cleared:\n\(screen)")
            #expect(try tmux.tmux(["display-message", "-p", "-t", tmux.name, "#{pane_title}"]).trimmingCharacters(in: .whitespacesAndNewlines) != "PWNED")
            // The banner is dim (SGR 2): warroom's own codes pass, the title's do not.
            let styled = try tmux.tmux(["capture-pane", "-p", "-e", "-t", tmux.name])
            #expect(styled.contains("\u{1B}[2m"), "no colour:\n\(styled)")
            #expect(!styled.contains("\u{1B}[31m"), "the title's colour reached the terminal")
            try tmux.type("quit")
            try tmux.send("Enter")
            try tmux.waitFor("exit") { $0.contains("EXITED-0") }
        }
    }

    /// The history is written as every file warroom writes: 0600, and never through a link.
    @Test func theHistoryIsPrivateAndNeverWrittenThroughALink() throws {
        try Self.requireTmux()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let tmux = try Tmux(command: command(folder, "start --free-form --clock virtual --speed 0 --transcripts \(folder.path)"))
        try tmux.waitForPrompt("the prompt") { $0.contains("+00:00 >") }
        try tmux.type("note kept")
        try tmux.send("Enter")
        try tmux.waitForPrompt("the note") { $0.contains("noted (#") }
        #expect(try HostileInput.mode(folder.file("history")) == 0o600)
        try FileManager.default.removeItem(atPath: folder.file("history"))
        let victim = try HostileInput.plantLink(folder.file("history"), in: folder)
        try tmux.type("note again")
        try tmux.send("Enter")
        try tmux.waitForPrompt("the warning") { $0.contains("the history is not saved: '\(folder.file("history"))' is a symbolic link") }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        try tmux.send("C-d")
        try tmux.waitFor("exit") { $0.contains("EXITED-0") }
    }

    @Test func alertsRemindersAndTheClockMoveWhileTheResponderIsNotTyping() throws {
        try Self.requireTmux()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        // Five simulated minutes a second: monitoring alerts at 03:45:45 (about 3 s in), and the
        // first step's 5-minute timebox, which counts from the alert, runs out a second later.
        let tmux = try Tmux(command: command(folder, "start --speed 300 --transcripts \(folder.path)"))
        try tmux.waitForPrompt("the drill's prompt") { $0.contains("detection/take-command") }
        try tmux.type("note half-typed")
        // The prompt's clock moves on while nobody types, before any alert, and the half-typed
        // line stays.
        try tmux.waitFor("the prompt's clock past 03:30 with the line intact", timeout: 20) { screen in
            let last = screen.split(separator: "\n").last.map(String.init) ?? ""
            return !screen.contains("Alert") && !last.hasPrefix("03:30Z") && last.hasPrefix("03:") && last.hasSuffix("> note half-typed")
        }
        try tmux.waitFor("the alert above the prompt, with nothing entered", timeout: 20) { $0.contains("[03:45Z] Alert MessagingErrorRate firing") }
        try tmux.waitFor("the overdue reminder", timeout: 20) { $0.contains("[03:50Z] Step take-command is overdue") }
        try tmux.waitFor("the half-typed line redrawn") { $0.split(separator: "\n").last?.hasSuffix("> note half-typed") == true }
        try tmux.send("Enter")
        try tmux.waitForPrompt("the note recorded") { $0.contains("noted (#") }
        try tmux.send("C-d")
        try tmux.waitFor("exit") { $0.contains("EXITED-0") }
        let path = try #require(transcripts(in: folder.path).first)
        let entries = try TranscriptLog.read(path: path).entries
        let alert = try #require(entries.first { $0.kind == .alert })
        #expect(alert.at.clockSeconds == "03:45:45Z")
        #expect(alert.by == "monitoring")
        let timer = try #require(entries.first { $0.kind == .timer })
        #expect(timer.at.clockSeconds == "03:50:45Z")
        #expect(timer.by == "warroom")
        let note = try #require(entries.firstIndex { $0.kind == .note })
        #expect(entries.firstIndex { $0.kind == .timer }! < note)
        #expect(entries[note].text == "half-typed")
    }
}
