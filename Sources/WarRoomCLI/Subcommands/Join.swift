import ArgumentParser
import Foundation
import WarRoomKit
import WarRoomPostgres

struct Join: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Enter the shell of an open incident in a shared store, from any machine.",
        discussion: "The incident's state, playbook position and simulation are rebuilt from the store; what the others record appears above the prompt as it happens. 'quit', Ctrl-D or the end of a piped script leaves the room (a 'leave' entry); the incident stays open for the others until someone types 'close', which also writes the export and the postmortem into --transcripts. A role that can only read the incident is told so and pointed to 'warroom watch'. See docs/STORE.md.")

    @Argument(help: "The incident's id ('warroom list --store URL' shows them).")
    var incident: String

    @OptionGroup var store: StoreOption

    @Option(name: .customLong("as"), help: "Who is typing in this terminal (default: $WARROOM_USER, else $USER).")
    var responder: String?

    @Option(help: "Where 'close' writes the export and the postmortem (default: $WARROOM_TRANSCRIPTS or ./Transcripts, created if missing).")
    var transcripts: String?

    @Option(help: "Folder to look up playbook ids in, when the playbook file has moved.")
    var playbooks: String?

    @Flag(help: "Let a piped script run '!' system shell commands.")
    var allowShell = false

    @OptionGroup var metrics: MetricsOption

    @OptionGroup var notify: NotifyOption

    func run() throws {
        guard let url = TranscriptSource.storeURL(store.url) else {
            throw ValidationError("join enters an incident in a store: give --store URL or set WARROOM_STORE")
        }
        let session: Session
        var notices: [String]
        let receivers: NotifyConfig?
        do {
            receivers = try notify.config()
            let folder = try RoomConnection.localFolder(transcripts)
            let store = try PostgresTranscriptStore.open(url: ConnectionString(url), incident: incident)
            // Folded as the rows are verified: the join holds the state and what the session is
            // rebuilt from, not every entry.
            var fold = JoinFold()
            try store.requireIntact("join adds nothing to a tampered record") { fold.add($0) }
            let source = try RoomConnection.databaseTime(store.connection)
            (session, notices) = try Session.join(store: store, folded: fold, responder: responder ?? Environment.responder,
                                                  folders: Environment.playbookFolders(explicit: playbooks), source: source)
            session.localFolder = folder
            try RoomConnection.listenIfInteractive(session)
        } catch StartError.closed {
            Terminal.error("incident \(incident) is closed; nothing more can be recorded — read it with 'warroom timeline \(incident)' or 'warroom postmortem \(incident)' (with the same --store)")
            throw ExitCode(1)
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
        let banner = ["Joined \(session.state.id) — \(session.state.severity) \(session.state.title)"] + RoomConnection.banner(session)
            + (session.recap ?? []) + ["Type 'help' for commands, 'who' for who is here; quit or Ctrl-D leaves the room (the incident stays open), 'close' ends it."]
        throw ShellLoop.run(session, banner: banner, notices: notices)
    }
}
