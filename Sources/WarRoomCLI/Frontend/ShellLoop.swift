import ArgumentParser
import Foundation
import WarRoomKit

/// Runs the shell over a session: libedit on a terminal, plain line reading from a pipe.
enum ShellLoop {
    /// - Returns: the exit code (1 when a piped script had a failing command).
    static func run(_ session: Session, banner: [String], notices: [String]) -> ExitCode {
        if Terminal.stdinIsTerminal {
            for line in banner { Terminal.print(line, color: Terminal.bannerColor) }
            for notice in notices { Terminal.print(notice, color: Terminal.noticeColor) }
            if let guide = session.openingGuide { Terminal.print(guide) }
            return interactive(session)
        }
        // A piped script: warnings on stderr; the playbook's guidance on stdout, in order with
        // the output of the commands that follow.
        for notice in notices { Terminal.errorLine(notice) }
        if let guide = session.openingGuide { Terminal.print(guide) }
        return piped(session)
    }

    static func interactive(_ session: Session) -> ExitCode {
        session.interactive = true
        session.confirm = { question in
            Terminal.write(STDOUT_FILENO, "\(question) [y/N] ")
            guard let answer = Swift.readLine() else { return false }
            return answer.lowercased().hasPrefix("y")
        }
        let editor = LineEditor(historyFile: Environment.historyFile) { line in
            session.commands.completions(for: line, session: session)
        }
        // Reminders fall due while nobody types, and in a shared room the others record:
        // show them (and the clock) as they happen. The store's socket wakes the editor at
        // once when another shell records something.
        editor.onIdle {
            let notices = session.tick()
            // An alert rings the terminal's bell, whatever the drill's speed.
            if notices.contains(where: { $0.kind == .alert }) { Terminal.bell() }
            var lines = notices.map { (text: $0.text, color: Optional(Terminal.color(of: $0))) }
            let ended = session.closedElsewhere != nil
            lines += session.takeCloseNotes().map { (text: $0, color: Optional("1")) }
            return LineEditor.Idle(lines: lines, prompt: session.prompt, wake: ended ? -1 : session.wakeDescriptor,
                                   interval: session.idleInterval, end: ended)
        }
        while true {
            editor.wake(on: session.wakeDescriptor)
            let input = editor.readLine(prompt: session.prompt)
            // Closed in another shell while this one waited: whatever was half-typed is not
            // recorded (nothing can be, after the close).
            if session.closedElsewhere != nil { return .success }
            switch input {
            case .interrupted:
                Terminal.write(STDOUT_FILENO, "^C\n")
            case .endOfInput:
                Terminal.print("")
                let (notes, warnings) = session.leave(reason: "ctrl-d")
                for warning in warnings { Terminal.error(warning) }
                for note in notes { Terminal.print(note, color: note.contains("NOT DELIVERED") ? "1;31" : nil) }
                return .success
            case .line(let line):
                editor.remember(line)
                let reply = session.handle(line)
                show(reply)
                for note in session.takeCloseNotes() { Terminal.print(note) }
                if reply.exit { return .success }
            }
        }
    }

    static func piped(_ session: Session) -> ExitCode {
        var number = 0
        while let line = Swift.readLine(strippingNewline: true) {
            number += 1
            let reply = session.handle(line)
            show(reply, line: number)
            if reply.exit { break }
        }
        for note in session.takeCloseNotes() { Terminal.print(note) }
        // A file's incident is paused; in a shared room this shell leaves.
        let (notes, warnings) = session.leave(reason: "end of input")
        // What the notifications under way came to is said; how to come back is not (a script knows).
        for note in notes where note.hasPrefix("notify #") { Terminal.print(note, color: note.contains("NOT DELIVERED") ? "1;31" : nil) }
        for warning in warnings { Terminal.error(warning) }
        return session.failures > 0 || !warnings.isEmpty ? ExitCode(1) : .success
    }

    static func show(_ reply: Reply, line: Int? = nil) {
        if Terminal.stdinIsTerminal, reply.notices.contains(where: { $0.kind == .alert }) { Terminal.bell() }
        for notice in reply.notices { Terminal.print(notice.text, color: Terminal.color(of: notice)) }
        if !reply.output.isEmpty { Terminal.print(reply.output) }
        if let error = reply.error { Terminal.commandError(error, line: line) }
    }
}
