import ArgumentParser
import WarRoomKit

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reopen a paused incident; its state (and simulation) is rebuilt from the transcript.")

    @Argument(help: "The transcript (.jsonl) of a paused incident.")
    var transcript: String

    @Option(name: .customLong("as"), help: "Who is typing in this terminal (default: $WARROOM_USER, else $USER).")
    var responder: String?

    @Option(help: "Folder to look up playbook ids in, when the playbook file has moved.")
    var playbooks: String?

    @Flag(help: "Let a piped script run '!' system shell commands.")
    var allowShell = false

    func run() throws {
        let session: Session
        let notices: [String]
        do {
            (session, notices) = try Session.resume(path: transcript, responder: responder ?? Environment.responder, folders: Environment.playbookFolders(explicit: playbooks),
                                                    source: SystemTime.source)
        } catch {
            throw Failure.exit(error)
        }
        session.allowShell = allowShell
        let banner = ["Resumed \(session.state.id) — \(session.state.severity) \(session.state.title)", "Transcript: \(session.path)"]
        throw ShellLoop.run(session, banner: banner, notices: notices)
    }
}
