import Foundation
import WarRoomKit

/// Terminal facts, and the only way warroom writes to stdout and stderr.
///
/// Every string is passed through `Display.sanitize` on its way out — banners, titles, names,
/// errors, file contents, shell output, ArgumentParser's messages — so control characters and
/// escape sequences from a transcript, a file or typed input never reach the terminal raw;
/// warroom's own colour and cursor codes are added after, and only on a terminal.
enum Terminal {
    static let stdinIsTerminal = isatty(STDIN_FILENO) == 1
    static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
    static let stderrIsTerminal = isatty(STDERR_FILENO) == 1
    static let colorAllowed = ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    /// Colour for notices (reminders, warnings) and for the banner.
    static let noticeColor = "33"
    static let bannerColor = "2"
    static let errorColor = "31"

    /// Sanitized `text`, wrapped in an SGR colour when the stream is a terminal and colour is allowed.
    static func paint(_ text: String, _ color: String?, stream: Int32) -> String {
        let clean = Display.sanitize(text)
        let terminal = stream == STDOUT_FILENO ? stdoutIsTerminal : stderrIsTerminal
        guard let color, terminal, colorAllowed else { return clean }
        return "\u{1B}[\(color)m\(clean)\u{1B}[0m"
    }

    /// A notice's colour: alerts in bold red, the store's state in bold yellow, reminders and
    /// others' entries in yellow.
    static func color(of notice: Notice) -> String {
        switch notice.kind {
        case .alert: "1;31"
        case .store: "1;33"
        case .undelivered: "1;31"
        default: noticeColor
        }
    }

    /// Rings the terminal's bell (an alert fired), only when stdout is a terminal.
    static func bell() {
        if stdoutIsTerminal { emit(STDOUT_FILENO, "\u{07}") }
    }

    /// Writes a line to stdout (sanitized; coloured as a whole when `color` is given).
    static func print(_ text: String, color: String? = nil) {
        emit(STDOUT_FILENO, paint(text, color, stream: STDOUT_FILENO) + "\n")
    }

    /// Writes a line to stderr (sanitized; coloured as a whole when `color` is given).
    static func errorLine(_ text: String, color: String? = nil) {
        emit(STDERR_FILENO, paint(text, color, stream: STDERR_FILENO) + "\n")
    }

    /// `warroom: error: message` on stderr.
    static func error(_ message: String) {
        emit(STDERR_FILENO, "warroom: " + paint("error:", errorColor, stream: STDERR_FILENO) + " " + Display.sanitize(message) + "\n")
    }

    /// `line N: error: message` on stderr: a command of the shell that failed.
    static func commandError(_ message: String, line: Int?) {
        let place = line.map { "line \($0): " } ?? ""
        emit(STDERR_FILENO, place + paint("error:", errorColor, stream: STDERR_FILENO) + " " + Display.sanitize(message) + "\n")
    }

    /// Writes sanitized text as it is (no newline added).
    static func write(_ fd: Int32, _ text: String) {
        emit(fd, Display.sanitize(text))
    }

    /// Writes data a command produces (an export, a postmortem) to stdout: byte for byte when
    /// stdout is a file or a pipe, sanitized when it is a terminal.
    static func output(_ bytes: [UInt8]) {
        if stdoutIsTerminal {
            emit(STDOUT_FILENO, Display.sanitize(String(decoding: bytes, as: UTF8.self)))
        } else {
            emit(STDOUT_FILENO, bytes)
        }
    }

    /// Redraws a progress line in place: a carriage return, then sanitized text.
    static func progress(_ fd: Int32, _ text: String) {
        emit(fd, "\r" + Display.sanitize(text))
    }

    /// Clears the line the cursor is on (warroom's own code, to print above the line being edited).
    static func clearLine(_ fd: Int32) {
        emit(fd, "\r\u{1B}[K")
    }

    /// The raw write: only the functions above, which sanitize what they are given, call it.
    private static func emit(_ fd: Int32, _ text: String) {
        emit(fd, Array(text.utf8))
    }

    private static func emit(_ fd: Int32, _ bytes: [UInt8]) {
        var bytes = bytes
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count <= 0 {
                if count < 0, errno == EINTR { continue }
                return
            }
            offset += count
        }
    }
}

/// The system's clocks, injected into the library.
enum SystemTime {
    static let source = TimeSource(
        wallNow: {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            return Instant(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
        },
        monotonicSeconds: {
            var spec = timespec()
            clock_gettime(CLOCK_MONOTONIC, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        })
}

/// Defaults from the environment.
enum Environment {
    static var responder: String {
        let environment = ProcessInfo.processInfo.environment
        return [environment["WARROOM_USER"], environment["USER"]].compactMap { $0 }.first { !$0.isEmpty } ?? "responder"
    }

    static var historyFile: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["WARROOM_HISTORY"], !path.isEmpty { return path }
        return (environment["HOME"] ?? ".") + "/.warroom_history"
    }

    /// Where playbook ids are looked up: --playbooks, $WARROOM_PLAYBOOKS, ./Playbooks, then the
    /// Playbooks folder of the checkout the binary was built in (so `.build/release/warroom`
    /// finds the bundled drill from any folder).
    static func playbookFolders(explicit: String?) -> [String] {
        var folders: [String] = []
        if let explicit { folders.append(explicit) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["WARROOM_PLAYBOOKS"], !fromEnvironment.isEmpty { folders.append(fromEnvironment) }
        folders.append("Playbooks")
        // The bundled playbooks, wherever the binary is: installed (PREFIX/share/warroom), or
        // beside it or above it (a checkout's build folder). The binary is found through the
        // kernel, not argv[0], which is a bare name when it was found on the PATH.
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        var url = URL(fileURLWithPath: binary).deletingLastPathComponent()
        let installed = url.deletingLastPathComponent().appendingPathComponent("share/warroom/Playbooks").path
        if FileManager.default.fileExists(atPath: installed + "/lb-cascading-failure.yaml") { folders.append(installed) }
        for _ in 0..<4 {
            let candidate = url.appendingPathComponent("Playbooks").path
            if FileManager.default.fileExists(atPath: candidate + "/lb-cascading-failure.yaml") {
                folders.append(candidate)
                break
            }
            url.deleteLastPathComponent()
        }
        return folders
    }

    static var transcriptsFolder: String {
        ProcessInfo.processInfo.environment["WARROOM_TRANSCRIPTS"] ?? "Transcripts"
    }
}
