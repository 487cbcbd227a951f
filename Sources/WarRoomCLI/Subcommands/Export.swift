import ArgumentParser
import Foundation
import WarRoomKit
import WarRoomPostgres

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an incident's transcript from the store as JSON Lines, byte for byte the lines the store holds.",
        discussion: "The file is what a local transcript is: 'verify', 'postmortem', 'timeline' and 'replay' read it. --output is created with mode 0600 and never written through a symbolic link.")

    @Argument(help: "The incident's id.")
    var incident: String

    @OptionGroup var store: StoreOption

    @Option(help: "Write to FILE instead of stdout.")
    var output: String?

    @Flag(help: "Export an incident that fails verification all the same (to investigate it); the problem is said on stderr and the exit code is still 65.")
    var acceptBrokenChain = false

    @Flag(help: "Export a team drill that holds its facilitator's private entries (whispers, hints): the transcript is one chain, so it is all or nothing.")
    var facilitator = false

    func run() throws {
        guard let url = TranscriptSource.storeURL(store.url) else {
            throw ValidationError("export reads a store: give --store URL or set WARROOM_STORE")
        }
        let bytes: [UInt8]
        var tampered: Error?
        do {
            let store = try PostgresTranscriptStore.open(url: ConnectionString(url), incident: incident, readOnly: true)
            defer { store.close() }
            do {
                try store.requireIntact("export copies it only with --accept-broken-chain")
            } catch let error as PostgresStoreError where error.exitCode == 65 && acceptBrokenChain {
                tampered = error
            }
            bytes = try store.transcriptBytes()
            // One chain: a facilitator's private entries cannot be left out of a copy that verifies.
            if !facilitator, let hidden = try store.entries(after: 0).first(where: { $0.kind == .facilitatorOnly }) {
                throw StartError.invalid("\(incident) is a team drill with its facilitator's private entries (the first #\(hidden.seq)); the transcript is one chain, so an export holds them all: give --facilitator to export it as the facilitator")
            }
        } catch {
            throw Failure.exit(error)
        }
        if let output {
            do {
                try PrivateFile.write(bytes, to: output)
            } catch {
                throw Failure.exit(error)
            }
        } else {
            Terminal.output(bytes)
        }
        if let tampered { throw Failure.exit(tampered) }
    }
}
