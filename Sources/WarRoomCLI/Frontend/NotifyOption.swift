import ArgumentParser
import Foundation
import WarRoomHTTP
import WarRoomKit

/// `--notify FILE` on `start`, `resume` and `join` (docs/NOTIFY.md): where pages and updates go.
struct NotifyOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "YAML file of where escalations, updates, milestones and the close are sent: PagerDuty, Slack, webhooks (default $WARROOM_NOTIFY, else ~/.config/warroom/notify.yaml if it exists).",
        valueName: "FILE"))
    var notify: String?

    /// The receivers `--notify` names, read before the incident opens (a mistake in the file
    /// leaves no transcript); `nil` when the command line names none.
    /// - Throws: `InputFileError` (file:line:column, never a secret's value).
    func config() throws -> NotifyConfig? {
        guard let notify else { return nil }
        return try NotifyConfig.load(path: notify, environment: ProcessInfo.processInfo.environment)
    }

    /// Takes variables out of the environment: from a `!` command's, and from warroom's own as
    /// /proc/PID/environ shows it (the bytes warroom started with are overwritten first).
    static func scrub(_ names: [String]) {
        for name in names {
            if let value = getenv(name) { memset(value, 0, strlen(value)) }
            unsetenv(name)
        }
    }

    /// `$WARROOM_NOTIFY`, else `~/.config/warroom/notify.yaml` when it exists.
    static var defaultPath: String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["WARROOM_NOTIFY"], !path.isEmpty { return path }
        guard let home = environment["HOME"], FileManager.default.fileExists(atPath: "\(home)/.config/warroom/notify.yaml") else { return nil }
        return "\(home)/.config/warroom/notify.yaml"
    }

    /// Attaches the receivers to a session; what it says goes with the notices.
    ///
    /// A drill or a write-up after the fact pages nobody unless `--notify` names a file on its
    /// own command line: the default file and `$WARROOM_NOTIFY` are for real incidents, and a
    /// drill's `escalate sre` must not wake the real on-call.
    func attach(_ given: NotifyConfig?, to session: Session) -> [String] {
        let drillOrWriteUp = session.state.isDrill || session.state.openData["after_the_fact"] != nil
        var config = given
        if config == nil, let path = Self.defaultPath {
            // Whatever comes of the file, its secrets leave the environment now.
            Self.scrub(NotifyConfig.secretVariables(inFile: path))
            // Not named on the command line: a drill or a write-up does not read it at all.
            if drillOrWriteUp {
                return ["\(session.state.isDrill ? "a drill" : "a write-up") sends no notifications unless --notify names the file on its command line (\(path) is not used)"]
            }
            do {
                config = try NotifyConfig.load(path: path, environment: ProcessInfo.processInfo.environment)
            } catch let error as InputFileError {
                return ["NOTIFICATIONS ARE OFF: " + error.diagnostics.map(\.description).joined(separator: "; ")]
            } catch {
                return ["NOTIFICATIONS ARE OFF: \(path): \(error)"]
            }
        }
        guard let config else { return [] }
        // The secrets are in memory now: a `!` command cannot print them onto the record.
        Self.scrub(config.secretVariables)
        return ["Notify: \(config.summary) (\(config.origin))"] + session.attachNotifier(config, poster: HTTPNotificationPoster())
    }
}
