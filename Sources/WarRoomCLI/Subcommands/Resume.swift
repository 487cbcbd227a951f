import ArgumentParser
import WarRoomKit

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Reopen a paused incident; its state (and simulation) is rebuilt from the transcript.",
        discussion: "The transcript is locked before it is read, so one writer at a time is guaranteed, and its hash chain is verified first: a transcript changed after it was written is refused, naming the first bad seq, unless --accept-broken-chain is given.")

    @Argument(help: "The transcript (.jsonl) of a paused incident.")
    var transcript: String

    @Option(name: .customLong("as"), help: "Who is typing in this terminal (default: $WARROOM_USER, else $USER).")
    var responder: String?

    @Option(help: "Folder to look up playbook ids in, when the playbook file has moved.")
    var playbooks: String?

    @Flag(help: "Let a piped script run '!' system shell commands.")
    var allowShell = false

    @Flag(help: "Continue a transcript that fails verification (it was changed after it was written); the resume entry records that you did.")
    var acceptBrokenChain = false

    @OptionGroup var metrics: MetricsOption

    @OptionGroup var notify: NotifyOption

    func run() throws {
        let session: Session
        var notices: [String]
        let receivers: NotifyConfig?
        do {
            receivers = try notify.config()
            (session, notices) = try Session.resume(path: transcript, responder: responder ?? Environment.responder, folders: Environment.playbookFolders(explicit: playbooks),
                                                    source: SystemTime.source, acceptBrokenChain: acceptBrokenChain)
        } catch {
            throw Failure.exit(error)
        }
        session.allowShell = allowShell
        do {
            if let probes = try metrics.probes(recorded: session.recordedMetrics, recordedMap: session.recordedMetricsMap) { session.attachMetrics(probes) }
        } catch {
            throw Failure.exit(error)
        }
        notices += notify.attach(receivers, to: session)
        let banner = ["Resumed \(session.state.id) — \(session.state.severity) \(session.state.title)", "Transcript: \(session.path)"]
        throw ShellLoop.run(session, banner: banner, notices: notices)
    }
}
