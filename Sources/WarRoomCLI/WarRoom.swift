import ArgumentParser
import WarRoomKit

@main
struct WarRoom: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warroom",
        abstract: "A terminal incident war room: guided response, a hash-chained transcript, probes, and the postmortem.",
        discussion: "Start a drill on the bundled load-balancer scenario with 'warroom start'; type 'help' in the shell. Exit codes: 0 success, 1 a check failed or a piped script had a failing command, 64 usage error, 65 bad input file, 74 I/O error.",
        version: Session.programVersion,
        subcommands: [Start.self, Resume.self, List.self, Timeline.self, PostmortemCommand.self, Verify.self, ReplayCommand.self,
                      PlaybooksCommand.self, ScenariosCommand.self, Simulate.self, StoreCommand.self, Join.self, Watch.self, Export.self]
    )
}
