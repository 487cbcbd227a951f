import ArgumentParser
import WarRoomKit
import WarRoomPostgres

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List past and open incidents: id, title, severity, status, start, duration.")

    @Option(help: "Folder of transcripts (default: $WARROOM_TRANSCRIPTS or ./Transcripts).")
    var transcripts: String?

    @Option(help: ArgumentHelp("List the incidents of a PostgreSQL store instead (default $WARROOM_STORE unless --transcripts is given).", valueName: "URL"))
    var store: String?

    func run() throws {
        if let url = store ?? (transcripts == nil ? TranscriptSource.storeURL(nil) : nil) {
            let connection = ConnectionString(url)
            do {
                let incidents = try PostgresCatalog.list(url: connection)
                if incidents.isEmpty {
                    Terminal.print("No incidents in the store (\(connection)).")
                    return
                }
                Terminal.print(IncidentCatalog.render(incidents))
            } catch {
                throw Failure.exit(error)
            }
            return
        }
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
