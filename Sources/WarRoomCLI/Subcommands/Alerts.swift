import ArgumentParser
import Foundation
import WarRoomHTTP
import WarRoomKit

struct Alerts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List the alerts firing in Alertmanager (API v2), to open an incident from one.",
        discussion: "Lists active alerts that are neither silenced nor inhibited, oldest first, with the fingerprint 'warroom start --alertmanager URL --fingerprint F' opens an incident from.")

    @Option(help: ArgumentHelp("Alertmanager's address, http://HOST:PORT (default $WARROOM_ALERTMANAGER).", valueName: "URL"))
    var alertmanager: String?

    @Option(help: ArgumentHelp("How long to wait for Alertmanager, in seconds.", valueName: "S"))
    var timeout: Double = 5

    func run() throws {
        do {
            let api = try AlertmanagerAPI(url: try Self.url(alertmanager))
            let alerts = try api.firingAlerts(timeout: max(0.1, min(timeout, 60)))
            guard !alerts.isEmpty else {
                Terminal.print("No alerts firing at \(api.label) (active, not silenced, not inhibited).")
                return
            }
            var rows = [["FINGERPRINT", "SINCE", "SEVERITY", "ALERT", "SUMMARY"]]
            for alert in alerts {
                rows.append([alert.fingerprint, alert.startsAt.iso8601Seconds, alert.labels["severity"] ?? "-", alert.name, Display.firstLine(alert.summary, limit: 80)])
            }
            let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                Terminal.print((0..<4).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[4])
            }
            Terminal.print("\(alerts.count) firing at \(api.label). Open one: warroom start --alertmanager \(api.label) --fingerprint FINGERPRINT")
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Failure.exit(error)
        }
    }

    static func url(_ given: String?) throws -> String {
        let fromEnvironment = ProcessInfo.processInfo.environment["WARROOM_ALERTMANAGER"].flatMap({ $0.isEmpty ? nil : $0 })
        // It may hold credentials: a `!` command of the shell that follows cannot print them.
        NotifyOption.scrub(["WARROOM_ALERTMANAGER"])
        guard let url = given ?? fromEnvironment else {
            throw StartError.invalid("name Alertmanager: --alertmanager http://HOST:PORT (or $WARROOM_ALERTMANAGER)")
        }
        return url
    }
}
