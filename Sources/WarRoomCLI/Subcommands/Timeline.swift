import ArgumentParser
import WarRoomKit

struct Timeline: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print an incident's timeline, as the shell's 'timeline' does.")

    @Argument(help: "The transcript (.jsonl).")
    var transcript: String

    @Option(help: "Only the last N entries.")
    var last: Int?

    func validate() throws {
        if let last, !Bounds.count.contains(Double(last)) {
            throw ValidationError("--last needs a number of entries, \(Bounds.count.range), not \(last)")
        }
    }

    func run() throws {
        do {
            let log = try TranscriptLog.read(path: transcript, lenient: true)
            let state = IncidentState(entries: log.entries)
            Terminal.print(TimelineView.render(entries: log.entries, state: state, last: last))
            for bad in log.badLines { Terminal.errorLine("warroom: warning: \(transcript):\(bad.line): skipped (\(bad.reason))") }
            if let torn = log.torn { Terminal.errorLine("warroom: warning: \(transcript):\(torn.line): torn last line skipped") }
        } catch {
            throw Failure.exit(error)
        }
    }
}
