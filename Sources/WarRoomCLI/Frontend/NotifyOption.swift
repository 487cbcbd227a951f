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

    /// The receivers, or `nil` when no notify file is named or found.
    /// - Throws: `InputFileError` (file:line:column, never a secret's value).
    func config() throws -> NotifyConfig? {
        let environment = ProcessInfo.processInfo.environment
        var path = notify ?? environment["WARROOM_NOTIFY"].flatMap { $0.isEmpty ? nil : $0 }
        if path == nil, let home = environment["HOME"], FileManager.default.fileExists(atPath: "\(home)/.config/warroom/notify.yaml") {
            path = "\(home)/.config/warroom/notify.yaml"
        }
        guard let path else { return nil }
        return try NotifyConfig.load(path: path, environment: environment)
    }

    /// Attaches the receivers to a session; what it says goes with the notices.
    ///
    /// A drill or a write-up after the fact pages nobody unless `--notify` names a file on its
    /// own command line: the default file and `$WARROOM_NOTIFY` are for real incidents, and a
    /// drill's `escalate sre` must not wake the real on-call.
    func attach(_ config: NotifyConfig?, to session: Session) -> [String] {
        guard let config else { return [] }
        // The secrets are in memory now: a `!` command cannot print them onto the record.
        for name in config.secretVariables { unsetenv(name) }
        if notify == nil, session.state.isDrill || session.state.openData["after_the_fact"] != nil {
            return ["\(session.state.isDrill ? "a drill" : "a write-up") sends no notifications unless --notify names the file on its command line (\(config.origin) is not used)"]
        }
        return session.attachNotifier(config, poster: HTTPNotificationPoster())
    }
}
