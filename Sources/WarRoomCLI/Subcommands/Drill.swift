import ArgumentParser
import WarRoomKit

struct DrillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Team drills: a facilitator hosts, responders join (docs/DRILLS.md).",
        subcommands: [Host.self])

    struct Host: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "host",
            abstract: "Open a team drill as its facilitator; responders enter it with 'warroom join ID'.",
            discussion: "The drill opens like 'warroom start --scenario SCENARIO' (in a shared store with --store or $WARROOM_STORE, where responders join from their own machines), and this shell is its facilitator: 'truth' shows the scenario's cause, events, par and each server's real state; 'whisper TEXT' and 'hint NAME TEXT' are private entries no responder sees (a hint only the one it names); 'inject NAME' delivers a twist from the scenario's library, or 'inject TEXT' your own, to every shell at once. Afterwards 'warroom debrief ID' compiles the team's record against par.")

        @Argument(help: "The scenario id or path.")
        var scenario: String

        @Option(help: ArgumentHelp("The shared store responders join (default $WARROOM_STORE; without one the drill is a local file only you can type in).", valueName: "URL"))
        var store: String?

        @Option(help: "Playbook id or path (default: the scenario's playbook, if one names it).")
        var playbook: String?

        @Option(name: .customLong("as"), help: "The facilitator's name (default: $WARROOM_USER or $USER).")
        var responder: String?

        @Option(parsing: .unconditional, help: "Virtual clock speed, 0…1000000 (1: real time; 0: moves only on 'advance').")
        var speed: Double?

        @Option(help: "Folder for the local transcript, or where 'close' writes the export and the postmortem.")
        var transcripts: String?

        @Option(help: "Folder to look up playbook and scenario ids in.")
        var playbooks: String?

        func run() throws {
            var arguments = ["--host-drill", "--scenario", scenario]
            if let store { arguments += ["--store", store] }
            if let playbook { arguments += ["--playbook", playbook] }
            if let responder { arguments += ["--as", responder] }
            if let speed { arguments += ["--speed", String(speed)] }
            if let transcripts { arguments += ["--transcripts", transcripts] }
            if let playbooks { arguments += ["--playbooks", playbooks] }
            let start = try Start.parse(arguments)
            try start.run()
        }
    }
}
