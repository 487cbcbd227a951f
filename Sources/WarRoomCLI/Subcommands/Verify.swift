import ArgumentParser
import WarRoomKit
import WarRoomPostgres

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a transcript's hash chain; exit 1 naming the first bad seq.",
        discussion: "The recipe is in docs/TRANSCRIPT.md: anyone can check a transcript with a few lines of Python. With --store, the chain is checked from the bytes the store holds, and each row's seq, hash and previous_hash columns and the incident's head row must agree with the lines: a row edited by someone who bypassed the append-only trigger is caught.")

    @Argument(help: "The transcript (.jsonl), or an incident id with --store.")
    var transcript: String

    @OptionGroup var store: StoreOption

    func run() throws {
        let report: VerifyReport
        let label: String
        do {
            switch TranscriptSource.resolve(transcript, store: store.url) {
            case .file(let path):
                label = path
                report = try TranscriptVerifier.verify(path: path)
            case .store(let url, let incident):
                let opened = try PostgresTranscriptStore.open(url: url, incident: incident, readOnly: true)
                defer { opened.close() }
                label = "incident \(incident) in the store \(opened.connection.target)"
                report = try opened.verify()
            }
        } catch {
            throw Failure.exit(error)
        }
        if let problem = report.problem {
            Terminal.errorLine("\(label): FAILED at \(problem); \(report.goodEntries) entries before it are intact (chain head \(report.finalHash.prefix(16))…)")
            throw ExitCode(1)
        }
        Terminal.print("\(label): OK, \(report.goodEntries) entries, chain head \(report.finalHash)")
    }
}
