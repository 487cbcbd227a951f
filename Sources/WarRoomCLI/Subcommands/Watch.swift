import ArgumentParser
import Foundation
import WarRoomKit
import WarRoomPostgres

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print an incident's entries from the store as they arrive, read-only, until it closes.",
        discussion: "One line per entry, as 'timeline' prints them, by the rule a shell in the room uses for others' entries: read-only and mistyped lines left out, 'advance' and refused changes shown, starting with what is already recorded. LISTEN/NOTIFY wakes it; on every wake, every 5 s and every reconnect it fetches the entries after the last one it printed, so nothing is missed. When the store goes away it says so on stderr, reconnects with backoff (100 ms to 5 s) and catches up. Exits 0 after the incident's 'close' entry. A read-only role is enough.")

    @Argument(help: "The incident's id.")
    var incident: String

    @OptionGroup var store: StoreOption

    @Flag(help: "Show a drill facilitator's private entries too (whispers and hints), marked as such.")
    var facilitator = false

    func run() throws {
        guard let url = TranscriptSource.storeURL(store.url) else {
            throw ValidationError("watch reads a store: give --store URL or set WARROOM_STORE")
        }
        let follower: IncidentFollower
        do {
            follower = try IncidentFollower(url: ConnectionString(url), incident: incident)
            try follower.store.requireIntact("watch does not follow a tampered record")
        } catch {
            throw Failure.exit(error)
        }
        if Terminal.stderrIsTerminal {
            Terminal.errorLine("watching \(incident) in \(follower.store.connection.target); Ctrl-C to stop")
        }
        var state = IncidentState()
        while true {
            let events: [IncidentFollower.Event]
            do {
                events = try follower.next(waitingUpTo: 5)
            } catch {
                throw Failure.exit(error)
            }
            for event in events {
                switch event {
                case .entries(let entries):
                    var text = ""
                    var closed = false
                    for entry in entries {
                        state.apply(entry)
                        if TimelineView.showsToOthers(entry), entry.isVisible(to: nil, facilitator: facilitator) {
                            text += Display.sanitize(TimelineView.line(entry, state: state)) + "\n"
                        }
                        if entry.kind == .close { closed = true }
                    }
                    Terminal.write(STDOUT_FILENO, text)
                    if closed { return }
                case .lost(let message):
                    Terminal.errorLine("warroom: lost the store (\(message)); reconnecting")
                case .reconnected(let seconds):
                    Terminal.errorLine("warroom: reconnected after \(String(format: "%.1f", seconds)) s; catching up after #\(follower.lastSeq)")
                }
            }
        }
    }
}
