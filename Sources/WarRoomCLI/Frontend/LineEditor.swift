import CEditLine
import Foundation
import WarRoomKit

/// The libedit line editor: emacs keys, persistent history, Ctrl-R search, Tab completion
/// from the command table, Ctrl-C clears the line.
final class LineEditor {
    /// What `readLine` got.
    enum Input {
        case line(String)
        /// Ctrl-C: the line was cleared.
        case interrupted
        /// Ctrl-D on an empty line.
        case endOfInput
    }

    private let editor: OpaquePointer
    private let history: OpaquePointer?
    private let historyFile: String
    private let completer: Completer
    /// Saving the history was refused once (and said); it is not said again.
    private var historyRefused = false

    /// What the idle callback reports.
    struct Idle {
        /// Lines to show above the prompt (sanitized on the way out), each with its colour.
        var lines: [(text: String, color: String?)]
        /// The prompt now.
        var prompt: String
        /// A descriptor to wake on besides the keyboard (-1: none).
        var wake: Int32 = -1
        /// Seconds until the next call when nothing wakes the editor.
        var interval: Double = 1
        /// The session is over (the incident was closed in another shell): end the input.
        var end = false
    }

    /// Holds what the completion callback needs; reached through libedit's client data.
    final class Completer {
        let complete: (String) -> [String]
        /// Called while waiting for a key, about once a second and when the wake descriptor
        /// is readable.
        var idle: (() -> Idle)?
        /// The prompt on screen, to redraw only when it changed.
        var shownPrompt = ""
        /// Set by the Ctrl-C binding; the line it ends is thrown away.
        var interrupted = false
        init(complete: @escaping (String) -> [String]) { self.complete = complete }
    }

    init(historyFile: String, complete: @escaping (String) -> [String]) {
        setlocale(LC_ALL, "")
        setlocale(LC_NUMERIC, "C")
        wl_install_interrupt_handler()
        editor = wl_init("warroom")
        history = wl_history_init(1000)
        self.historyFile = historyFile
        completer = Completer(complete: complete)
        wl_set_editor(editor, "emacs")
        wl_set_signal(editor, 1)
        if let history {
            wl_attach_history(editor, history)
            wl_history_load(history, historyFile)
        }
        wl_set_clientdata(editor, Unmanaged.passUnretained(completer).toOpaque())
        wl_addfn(editor, "warroom-complete", "Complete a command, id or name", { editor, _ in
            LineEditor.completeCallback(editor)
        })
        wl_bind(editor, "^I", "warroom-complete")
        // Ctrl-C as a key, not a signal, while editing: it ends the line, which is discarded.
        // (Outside editing the SIGINT handler keeps Ctrl-C from killing the session.)
        wl_disable_isig_while_editing(editor)
        wl_addfn(editor, "warroom-interrupt", "Discard the line", { editor, _ in
            guard let editor, let raw = wl_get_clientdata(editor) else { return 6 }
            Unmanaged<Completer>.fromOpaque(raw).takeUnretainedValue().interrupted = true
            return 1  // CC_NEWLINE
        })
        wl_bind(editor, "^C", "warroom-interrupt")
        wl_set_idle(editor, { editor in
            guard let editor, let raw = wl_get_clientdata(editor) else { return 0 }
            let completer = Unmanaged<Completer>.fromOpaque(raw).takeUnretainedValue()
            guard let idle = completer.idle?() else { return 0 }
            wl_set_wake(idle.wake, Int32(max(50, min(1000, idle.interval * 1000))))
            // Nothing to say and the prompt's clock has not moved on: leave the screen alone.
            guard !idle.lines.isEmpty || idle.prompt != completer.shownPrompt || idle.end else { return 0 }
            // Clear the line being edited, print above it, and let libedit redraw it with the
            // new prompt.
            Terminal.clearLine(STDOUT_FILENO)
            for line in idle.lines { Terminal.print(line.text, color: line.color) }
            if idle.end { return 2 }
            completer.shownPrompt = idle.prompt
            wl_set_prompt(editor, Display.sanitize(idle.prompt))
            return 1
        }, 1000)
        wl_bind(editor, "^R", "em-inc-search-prev")
        wl_source(editor, nil)
    }

    deinit {
        wl_end(editor)
        if let history { wl_history_end(history) }
    }

    /// Reads one line with the given prompt.
    /// Sets what runs while the editor waits for a key (timers on the incident clock).
    func onIdle(_ idle: @escaping () -> Idle) {
        completer.idle = idle
    }

    /// Sets the descriptor to wake on besides the keyboard (-1: none).
    func wake(on descriptor: Int32) {
        wl_set_wake(descriptor, 0)
    }

    func readLine(prompt: String) -> Input {
        wl_set_prompt(editor, Display.sanitize(prompt))
        completer.shownPrompt = prompt
        _ = wl_take_interrupt()
        completer.interrupted = false
        var count: Int32 = 0
        let pointer = wl_gets(editor, &count)
        if completer.interrupted {
            completer.interrupted = false
            return .interrupted
        }
        guard let pointer else {
            if wl_take_interrupt() != 0 || (count < 0 && errno == EINTR) {
                wl_clear_line(editor)
                wl_reset(editor)
                return .interrupted
            }
            return .endOfInput
        }
        _ = wl_take_interrupt()
        var line = String(cString: pointer)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    /// Adds a line to the history and saves the history file at once, so it survives a crash:
    /// replaced as a whole, mode 0600, never through a symbolic link (a link there is said once
    /// and history is not saved). A device there (`/dev/null`) means no history is kept.
    func remember(_ line: String) {
        guard let history, !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        wl_history_enter(history, line)
        var info = stat()
        if lstat(historyFile, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG, (info.st_mode & S_IFMT) != S_IFLNK { return }
        do {
            try PrivateFile.replace(historyFile) { fd in wl_history_save_fd(history, fd) == 0 ? nil : EIO }
        } catch {
            if !historyRefused { Terminal.errorLine("warroom: warning: the history is not saved: \(error)") }
            historyRefused = true
        }
    }

    private static func completeCallback(_ editor: OpaquePointer?) -> UInt8 {
        guard let editor, let raw = wl_get_clientdata(editor) else { return 6 }
        let completer = Unmanaged<Completer>.fromOpaque(raw).takeUnretainedValue()
        guard let cString = wl_line_to_cursor(editor) else { return 6 }
        let line = String(cString: cString)
        free(cString)
        let partial = line.hasSuffix(" ") ? "" : String(line.split(separator: " ").last ?? "")
        let candidates = completer.complete(line)
        guard !candidates.isEmpty else {
            wl_beep(editor)
            return 4  // CC_REFRESH
        }
        if candidates.count == 1 {
            let rest = String(candidates[0].dropFirst(partial.count)) + " "
            wl_insertstr(editor, rest)
            return 4
        }
        let common = candidates.dropFirst().reduce(candidates[0]) { prefix, word in
            String(zip(prefix, word).prefix(while: { $0 == $1 }).map(\.0))
        }
        if common.count > partial.count {
            wl_insertstr(editor, String(common.dropFirst(partial.count)))
            return 4
        }
        let width = (candidates.map(\.count).max() ?? 0) + 2
        let columns = max(1, 80 / width)
        var text = "\n"
        for (index, candidate) in candidates.enumerated() {
            text += candidate.padding(toLength: width, withPad: " ", startingAt: 0)
            if (index + 1) % columns == 0 || index == candidates.count - 1 { text += "\n" }
        }
        Terminal.write(STDOUT_FILENO, text)
        return 8  // CC_REDISPLAY
    }
}
