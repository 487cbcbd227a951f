import ArgumentParser
import Foundation
import WarRoomKit

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-run a virtual-clock session's commands on a fresh simulation; exit 1 on the first probe output that differs.")

    @Argument(help: "The transcript (.jsonl) of a drill on a virtual clock, or an incident id with --store.")
    var transcript: String

    @OptionGroup var store: StoreOption

    @Option(help: "Folder to look up the playbook and scenario in, when their recorded paths moved.")
    var playbooks: String?

    func run() throws {
        let report: Replay.Report
        do {
            let source = TranscriptSource.resolve(transcript, store: store.url)
            report = try Replay.run(log: source.log(lenient: false), folders: Environment.playbookFolders(explicit: playbooks), source: SystemTime.source)
        } catch let error as Replay.Failure {
            Terminal.error(error.description)
            throw ExitCode(65)
        } catch {
            throw Failure.exit(error)
        }
        if let difference = report.difference {
            Terminal.errorLine("\(transcript): replay DIFFERS at \(difference) after \(report.probes) identical probes")
            throw ExitCode(1)
        }
        Terminal.print("\(transcript): replay identical — \(report.commands) commands re-run, \(report.probes) probe outputs match")
    }
}
