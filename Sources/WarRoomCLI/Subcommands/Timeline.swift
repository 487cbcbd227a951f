import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
            if last == nil, case .file(let path) = source, Self.fileSize(path) > TimelineView.Rows.heldTranscriptBytes {
                return try printInTwoPasses(path, label: source.label)
            }
            // Folded as it is read: the state and the rows, not the entries.
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
            // The rows are sanitized already: written as they are (a terminal's copy is
            // sanitized again by `output`).
            // Handed on in pieces that end with a newline, each a whole row or more.
            rows.renderBytes(state: state) { Terminal.output($0) }
            Terminal.output([0x0A])
            for bad in read.badLines { Terminal.errorLine("warroom: warning: \(source.label):\(bad.line): skipped (\(bad.reason))") }
            if let torn = read.torn { Terminal.errorLine("warroom: warning: \(source.label):\(torn.line): torn last line skipped") }
        } catch {
            throw Failure.exit(error)
        }
    }

    /// A long transcript's timeline, in two passes over the file (`TimelineView.Rows.write(fd:…)`).
    private func printInTwoPasses(_ path: String, label: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TranscriptError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let read = try TimelineView.Rows.write(fd: fd, path: path, facilitator: facilitator) { Terminal.output($0) }
        Terminal.output([0x0A])
        for bad in read.badLines { Terminal.errorLine("warroom: warning: \(label):\(bad.line): skipped (\(bad.reason))") }
        if let torn = read.torn { Terminal.errorLine("warroom: warning: \(label):\(torn.line): torn last line skipped") }
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}
