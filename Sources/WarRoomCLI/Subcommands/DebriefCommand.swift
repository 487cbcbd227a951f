import ArgumentParser
import Foundation
import WarRoomKit

struct DebriefCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debrief",
        abstract: "Compile a drill's debrief: the team's times against par, the misleading paths, who did what.",
        discussion: "Compiled from the drill's record alone and its scenario's drill: block (docs/DRILLS.md): the team's times to detect, mitigate and resolve against par from the trigger; each misleading path the plan names, how long the team spent on it and how much sooner the probe that rules it out could have; the probe that confirms the cause and when the fix was first applied; playbook steps done, skipped and overdue; who did what; and for each alert and scenario event, how long until someone reacted. --check exits 1 when the debrief cannot say everything (no par in the scenario, a time never marked, a path never ruled out).")

    @Argument(help: "The drill's transcript (.jsonl), or an incident id with --store.")
    var transcript: String

    @OptionGroup var store: StoreOption

    @Option(help: "markdown, html or json.")
    var format = "markdown"

    @Option(help: "Write to FILE instead of stdout.")
    var output: String?

    @Flag(help: "List what the debrief cannot say; exit 1 when there is anything.")
    var check = false

    @Option(help: "Folder to look up the drill's scenario id in, when its file has moved.")
    var playbooks: String?

    func validate() throws {
        guard DebriefFormat(rawValue: format) != nil else { throw ValidationError("--format must be markdown, html or json, not '\(format)'") }
    }

    func run() throws {
        let debrief: Debrief
        do {
            let source = TranscriptSource.resolve(transcript, store: store.url)
            let log = try source.log(lenient: true)
            var entries = log.entries
            if case .store = source {
                let (_, logins) = try source.bytesAndLogins()
                for index in entries.indices { entries[index].login = logins[entries[index].seq] }
            }
            debrief = try Debrief.compile(entries: entries, transcriptFile: source.label.split(separator: "/").last.map(String.init) ?? source.label,
                                          folders: Environment.playbookFolders(explicit: playbooks))
        } catch let error as DebriefError {
            Terminal.error(error.description)
            throw ExitCode(65)
        } catch {
            throw Failure.exit(error)
        }
        if check {
            for finding in debrief.findings { Terminal.print("- \(finding)") }
            if debrief.findings.isEmpty { Terminal.print("The debrief says everything it should.") }
            throw debrief.findings.isEmpty ? ExitCode.success : ExitCode(1)
        }
        let text = DebriefRenderer.render(debrief, format: DebriefFormat(rawValue: format)!)
        if let output {
            do {
                try PrivateFile.write(Array(text.utf8), to: output)
            } catch {
                throw Failure.exit(error)
            }
        } else {
            Terminal.write(STDOUT_FILENO, text)
        }
    }
}
