import ArgumentParser
import Foundation
import WarRoomKit
import WarRoomPostgres

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an incident's transcript from the store as JSON Lines, byte for byte the lines the store holds.",
        discussion: "The file is what a local transcript is: 'verify', 'postmortem', 'timeline' and 'replay' read it. --output is created with mode 0600 and never written through a symbolic link.")

    @Argument(help: "The incident's id.")
    var incident: String

    @OptionGroup var store: StoreOption

    @Option(help: "Write to FILE instead of stdout.")
    var output: String?

    @Flag(help: "Export an incident that fails verification all the same (to investigate it); the problem is said on stderr and the exit code is still 65.")
    var acceptBrokenChain = false

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
