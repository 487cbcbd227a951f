import ArgumentParser
import WarRoomKit

struct Timeline: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "timeline", abstract: "Print an incident's timeline, as the shell's 'timeline' does.")

    @Argument(help: "The transcript (.jsonl), or an incident id with --store.")
    var transcript: String

    @OptionGroup var store: StoreOption

    @Option(help: "Only the last N entries.")
    var last: Int?

    @Flag(help: "Show a drill facilitator's private entries too (whispers and hints), marked as such.")
    var facilitator = false

    func validate() throws {
        if let last, !Bounds.count.contains(Double(last)) {
            throw ValidationError("--last needs a number of entries, \(Bounds.count.range), not \(last)")
        }
    }

    func run() throws {
        do {
            let source = TranscriptSource.resolve(transcript, store: store.url)
            let log = try source.log(lenient: true)
            let state = IncidentState(entries: log.entries)
            Terminal.print(TimelineView.render(entries: log.entries, state: state, last: last, where: { $0.isVisible(to: nil, facilitator: facilitator) }))
            for bad in log.badLines { Terminal.errorLine("warroom: warning: \(source.label):\(bad.line): skipped (\(bad.reason))") }
            if let torn = log.torn { Terminal.errorLine("warroom: warning: \(source.label):\(torn.line): torn last line skipped") }
        } catch {
            throw Failure.exit(error)
        }
    }
}
