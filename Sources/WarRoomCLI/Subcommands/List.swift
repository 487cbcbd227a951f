import ArgumentParser
import WarRoomKit

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List past and open incidents: id, title, severity, status, start, duration.")

    @Option(help: "Folder of transcripts (default: $WARROOM_TRANSCRIPTS or ./Transcripts).")
    var transcripts: String?

    func run() throws {
        let folder = transcripts ?? Environment.transcriptsFolder
        do {
            let incidents = try IncidentCatalog.list(folder: folder)
            if incidents.isEmpty {
                Terminal.print("No incidents in \(folder). Open one with 'warroom start'.")
                return
            }
            Terminal.print(IncidentCatalog.render(incidents))
        } catch {
            throw Failure.exit(error)
        }
    }
}
