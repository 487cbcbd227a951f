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
            // The rows are sanitized already: written as they are (a terminal's copy is
            // sanitized again by `output`), in pieces that end with a newline.
            let read: TranscriptStream.Outcome
            if last == nil, case .file(let path) = source, TimelineView.Rows.readsTwice(path) {
                read = try TimelineView.Rows.write(path: path, facilitator: facilitator) { Terminal.output($0) }
            } else {
                read = try printHoldingRows(source)
            }
            Terminal.output([0x0A])
            for bad in read.badLines { Terminal.errorLine("warroom: warning: \(source.label):\(bad.line): skipped (\(bad.reason))") }
            if let torn = read.torn { Terminal.errorLine("warroom: warning: \(source.label):\(torn.line): torn last line skipped") }
        } catch {
            throw Failure.exit(error)
        }
    }

    /// Folded as it is read: the state and the rows (each the little it shows), not the entries.
    private func printHoldingRows(_ source: TranscriptSource) throws -> TranscriptStream.Outcome {
        var state = IncidentState()
        var rows = TimelineView.Rows(last: last)
        // Commands are not rows and a probe's row is its figures: their words are not made
        // (the state reads them only while steps' commands are left undone).
        var undone = false
        let read = try source.stream(skipsText: { !undone && ($0 == .command || $0 == .probe) }) { entry in
            state.apply(entry)
            undone = !state.leftUndone.isEmpty
            if entry.isVisible(to: nil, facilitator: facilitator) { rows.add(entry) }
        }
        rows.renderBytes(state: state) { Terminal.output($0) }
        return read
    }
}
