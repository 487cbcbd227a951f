import ArgumentParser
import Foundation
import WarRoomKit

@main
struct WarRoom: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warroom",
        abstract: "A terminal incident war room: guided response, a hash-chained transcript, probes, and the postmortem.",
        discussion: "Start a drill on the bundled load-balancer scenario with 'warroom start'; type 'help' in the shell. Exit codes: 0 success, 1 a check failed or a piped script had a failing command, 64 usage error, 65 bad input file, 74 I/O error.",
        version: Session.programVersion,
        subcommands: [Start.self, Resume.self, List.self, Timeline.self, PostmortemCommand.self, Verify.self, ReplayCommand.self,
                      PlaybooksCommand.self, ScenariosCommand.self, Simulate.self, StoreCommand.self, Join.self, Watch.self, Export.self, Import.self,
                      Intake.self, Alerts.self, DrillCommand.self, DebriefCommand.self]
    )

    /// Parses and runs the command. ArgumentParser's own messages quote what was typed (an
    /// unknown option, a bad value), so they are printed through `Terminal`, sanitized, like
    /// everything else warroom prints.
    static func main() {
        ArgumentShield.hidePasswords()
        let error: Error
        do {
            var command = try parseAsRoot()
            try command.run()
            Foundation.exit(0)
        } catch let failure {
            error = failure
        }
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if !message.isEmpty {
            if code == .success { Terminal.print(message) } else { Terminal.errorLine(message) }
        }
        Foundation.exit(code.rawValue)
    }
}
