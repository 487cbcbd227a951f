import Foundation
import WarRoomKit

/// Terminal facts and output helpers: colour only on a terminal and never with NO_COLOR.
enum Terminal {
    static let stdinIsTerminal = isatty(STDIN_FILENO) == 1
    static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
    static let stderrIsTerminal = isatty(STDERR_FILENO) == 1
    static let colorAllowed = ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    static func color(_ text: String, _ code: String, stream: Int32 = STDOUT_FILENO) -> String {
        let terminal = stream == STDOUT_FILENO ? stdoutIsTerminal : stderrIsTerminal
        guard terminal, colorAllowed else { return text }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    /// Writes text to stdout (a newline is added).
    static func print(_ text: String) {
        write(STDOUT_FILENO, text + "\n")
    }

    /// `warroom: error: message` on stderr.
    static func error(_ message: String) {
        errorLine("warroom: " + color("error:", "31", stream: STDERR_FILENO) + " " + Display.sanitize(message))
    }

    static func errorLine(_ line: String) {
        write(STDERR_FILENO, line + "\n")
    }

    static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
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
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
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
