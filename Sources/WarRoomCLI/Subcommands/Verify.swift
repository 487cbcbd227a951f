import ArgumentParser
import WarRoomKit

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a transcript's hash chain; exit 1 naming the first bad seq.",
        discussion: "The recipe is in docs/TRANSCRIPT.md: anyone can check a transcript with a few lines of Python.")

    @Argument(help: "The transcript (.jsonl).")
    var transcript: String

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = try TranscriptLog.readBytes(path: transcript)
        } catch {
            throw Failure.exit(error)
        }
        let report = TranscriptVerifier.verify(bytes: bytes)
        if let problem = report.problem {
            Terminal.errorLine("\(transcript): FAILED at \(problem); \(report.goodEntries) entries before it are intact (chain head \(report.finalHash.prefix(16))…)")
            throw ExitCode(1)
        }
        Terminal.print("\(transcript): OK, \(report.goodEntries) entries, chain head \(report.finalHash)")
    }
}
