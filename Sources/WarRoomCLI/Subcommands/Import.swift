import ArgumentParser
import Foundation
import WarRoomKit

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write up an incident worked elsewhere from its timeline (CSV or JSON Lines), each row a typed entry at its own time.",
        discussion: """
            Each row is (time, who, kind, text): CSV with a header row naming the columns ('time,who,kind,text'; other \
            columns are ignored), or one JSON object per line. time is an ISO-8601 instant in UTC; who is the responder, \
            one word; kind is note, update, hypothesis, rule-out, confirm, escalate, action, milestone (text: the milestone \
            and what was said, e.g. 'detected first page'), rootcause, trigger, impact, severity or close; text is what \
            was said, as it would be typed after the command ('H1 traffic normal' for rule-out). Rows run in time order. \
            The whole file is checked first, and nothing is written unless every row holds (FILE:LINE:COLUMN for each \
            problem, exit 65). The incident opens at the first row's time on a still virtual clock; 'warroom resume' \
            goes on writing it up, 'warroom postmortem' compiles it.
            """)

    @Argument(help: "The timeline: a .csv file, or .jsonl.")
    var file: String

    @Option(help: "Incident title.")
    var title: String?

    @Option(help: "Severity, SEV-1 (highest) … SEV-5.")
    var severity: String?

    @Option(help: "Folder for the transcript (default: $WARROOM_TRANSCRIPTS or ./Transcripts, created if missing).")
    var transcripts: String?

    func run() throws {
        let rows: [TimelineImport.Row]
        do {
            rows = try TimelineImport.parse(TranscriptLog.readBytes(path: file), path: file)
        } catch let error as TranscriptError {
            throw Failure.exit(TranscriptError.unreadable(path: file, reason: error.description))
        } catch {
            throw Failure.exit(error)
        }
        var options = StartOptions(responder: rows[0].who, transcriptsFolder: transcripts ?? Environment.transcriptsFolder)
        options.title = title
        options.severity = severity
        do {
            if transcripts == nil { try FileManager.default.createDirectory(atPath: options.transcriptsFolder, withIntermediateDirectories: true) }
            let (location, count) = try TimelineImport.record(rows, options: options, path: file, source: SystemTime.source)
            Terminal.print("Imported \(count) rows into \(location); compile it with 'warroom postmortem \(location)', or go on with 'warroom resume \(location)'")
        } catch {
            throw Failure.exit(error)
        }
    }
}
