import ArgumentParser
import Foundation
import WarRoomKit

struct PostmortemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postmortem",
        abstract: "Compile the postmortem of a transcript (Markdown, JSON or HTML).",
        discussion: "The postmortem is a pure function of the transcript (amends and retractions applied): a body a team publishes (title block, Issue Summary, a curated Timeline with Detection, Root Cause and Resolution, Corrective and Preventative Measures, Metrics, Lessons Learned), then an Appendix with everything else. For a drill it also re-runs the simulation the transcript names (its scenario file, checked against the SHA-256 recorded when the drill opened) to measure the share of users affected and, in HTML and JSON, to draw the curve between the responders' probes. A transcript that fails verification still compiles, with a warning at the top; --strict refuses it instead. --check lints the postmortem and exits 1 on findings: no impact percentage, no root cause, no timeline, action items with no owner, missing milestones, milestones out of order or in the future, zero durations, entries running backwards in time, and a body outside --words MIN-MAX when given.")

    @Argument(help: "The transcript (.jsonl), or an incident id with --store.")
    var transcript: String

    @OptionGroup var store: StoreOption

    @Option(help: "markdown, json or html.")
    var format = "markdown"

    @Option(help: "Write to FILE instead of stdout.")
    var output: String?

    @Flag(help: "Lint the postmortem; exit 1 when anything is found.")
    var check = false

    @Option(help: "With --check: the body's word range (title block to Lessons Learned), e.g. 400-600.")
    var words: String?

    @Flag(help: "Leave the Appendix out (Markdown and HTML; the JSON form always holds everything).")
    var noAppendix = false

    @Flag(help: "Refuse a transcript that fails verification.")
    var strict = false

    @Option(help: "Folder to look up a drill's scenario id in, when its file has moved (the chart re-runs the simulation).")
    var playbooks: String?

    func validate() throws {
        guard PostmortemFormat(name: format) != nil else {
            throw ValidationError("--format must be markdown, json or html, not '\(format)'")
        }
        if let words, wordRange(words) == nil { throw ValidationError("--words takes MIN-MAX, e.g. 400-600, not '\(words)'") }
        if words != nil, !check { throw ValidationError("--words bounds the body for --check: add --check (postmortem --check --words 400-600)") }
    }

    /// `400-600` as a range.
    func wordRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], 0 <= low, low <= high else { return nil }
        return low...high
    }

    func run() throws {
        // Checked by validate().
        let chosen = PostmortemFormat(name: format)!
        let range = words.flatMap(wordRange)
        let model: PostmortemModel
        do {
            let showProgress = Terminal.stderrIsTerminal
            // A drill's simulation gives the share of users affected in every format; only the
            // HTML and JSON carry the chart, so only they sample the whole incident.
            let folders = Environment.playbookFolders(explicit: playbooks)
            let progress: ((Double) -> Void)? = showProgress ? { fraction in
                Terminal.progress(STDERR_FILENO, "compiling \(Int(fraction * 100))%")
                if fraction >= 1 {
                    Terminal.progress(STDERR_FILENO, "              ")
                    Terminal.progress(STDERR_FILENO, "")
                }
            } : nil
            switch TranscriptSource.resolve(transcript, store: store.url) {
            case .file(let path):
                model = try Postmortem.compile(transcriptPath: path, strict: strict, progress: progress, scenarioFolders: folders,
                                               drawChart: chosen != .markdown && !check)
            case let source:
                let (bytes, logins) = try source.bytesAndLogins()
                model = try Postmortem.compile(bytes: bytes, path: source.label, strict: strict, progress: progress, scenarioFolders: folders,
                                               drawChart: chosen != .markdown && !check, logins: logins)
            }
        } catch let error as PostmortemError {
            Terminal.error(error.description)
            throw ExitCode(error.exitCode)
        } catch {
            throw Failure.exit(error)
        }
        if check {
            let findings = PostmortemCheck.findings(model, wordRange: range)
            for finding in findings { Terminal.print("\(transcript): \(finding)") }
            if findings.isEmpty { Terminal.print("\(transcript): postmortem check passed") }
            throw findings.isEmpty ? ExitCode.success : ExitCode(1)
        }
        // Written a piece at a time as it is rendered: a long incident's postmortem is never
        // held whole.
        if let output {
            do {
                try PostmortemRenderer.write(model, format: chosen, appendix: !noAppendix, toFile: output)
            } catch {
                throw Failure.exit(error)
            }
        } else {
            var endsInNewline = false
            PostmortemRenderer.write(model, format: chosen, appendix: !noAppendix) { piece in
                Terminal.output(piece)
                endsInNewline = piece.last == 0x0A
            }
            if !endsInNewline { Terminal.output([0x0A]) }
        }
    }
}
