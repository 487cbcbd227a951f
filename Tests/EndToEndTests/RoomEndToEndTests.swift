import Foundation
import Testing
import WarRoomKit
import WarRoomPostgres
import WarRoomTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The shared room through real `warroom` processes on a real PostgreSQL: `start --store`,
/// `join`, `who`, many writers, a writer killed mid-command, the database restarting under
/// open shells, what falls due in a drill written once, one simulation for the room, clocks
/// that disagree, `close` anchoring the head in a local export.
@Suite struct RoomEndToEndTests {
    /// A `warroom join` (or `start`) reading a script line by line as the test sends it.
    final class Shell {
        let process: ChildProcess

        init(_ arguments: [String], environment: [String: String] = [:]) throws {
            process = try WarRoomBinary.start(arguments, environment: environment)
        }

        /// `warroom ARGUMENTS` on a machine whose clock reads `offset` off (libfaketime). It is
        /// started through env(1): loaded first into a Swift program, libfaketime loses the
        /// program's arguments; loaded into env first, it only moves the clocks.
        init(_ arguments: [String], clockOffset offset: String, preload: String) throws {
            process = try ChildProcess("/usr/bin/env", [WarRoomBinary.path] + arguments,
                                       environment: WarRoomBinary.environment(["LD_PRELOAD": preload, "FAKETIME": offset]))
        }

        func send(_ lines: String...) throws {
            try process.send(Array((lines.joined(separator: "\n") + "\n").utf8))
        }

        /// Waits until stdout holds `text` `count` times.
        @discardableResult
        func waitFor(_ text: String, count: Int = 1, seconds: Double = 30) -> Bool {
            process.stdout.wait(seconds: seconds) { $0.components(separatedBy: text).count > count }
        }

        func finish(seconds: Double = 60) -> ChildProcess.Termination {
            process.closeInput()
            return process.wait(seconds: seconds)
        }
    }

    /// Opens a room with `start --store` (its opener quits at once) and returns its id.
    static func openRoom(_ url: String, _ arguments: [String], folder: TemporaryFolder) throws -> String {
        let opened = try WarRoomBinary.run(["start", "--store", url, "--transcripts", folder.path] + arguments, input: "quit\n")
        #expect(opened.status == 0, "\(opened.stderr)")
        let line = try #require(opened.stdout.split(separator: "\n").last { $0.hasPrefix("Left the room; ") }, "\(opened.stdout)")
        return String(line.dropFirst("Left the room; ".count).split(separator: " ")[0])
    }

    static func entries(_ url: String, _ id: String) throws -> [TranscriptEntry] {
        let store = try PostgresTranscriptStore.open(url: ConnectionString(url), incident: id, readOnly: true)
        defer { store.close() }
        return try store.entries(after: 0)
    }

    static func verified(_ url: String, _ id: String) throws -> Bool {
        let store = try PostgresTranscriptStore.open(url: ConnectionString(url), incident: id, readOnly: true)
        defer { store.close() }
        return try store.verify().isValid
    }

    @Test func eightShellsOf250NotesEachMakeOneGaplessChainThatAWatcherSeesInOrder() throws {
        let database = try PostgresTestDatabase.initialized()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let id = try Self.openRoom(database.url, ["--free-form", "--clock", "virtual", "--speed", "0", "--title", "Eight writers"], folder: folder)
        let watcher = try WarRoomBinary.start(["watch", id, "--store", database.url])
        #expect(watcher.stdout.wait(seconds: 30) { $0.contains("#1 ") }, "\(watcher.stderr.text)")

        let scripts = (0..<8).map { writer in (0..<250).map { "note w\(writer) entry \($0)" }.joined(separator: "\n") + "\n" }
        let shells = try (0..<8).map { writer in
            try WarRoomBinary.start(["join", id, "--store", database.url, "--as", "w\(writer)", "--transcripts", folder.path])
        }
        // All eight scripts go in at once, so the shells race for the head the whole time.
        let feeders = DispatchGroup()
        for (writer, shell) in shells.enumerated() {
            feeders.enter()
            let script = Array(scripts[writer].utf8)
            Thread {
                try? shell.send(script)
                shell.closeInput()
                feeders.leave()
            }.start()
        }
        #expect(feeders.wait(timeout: .now() + 120) == .success)
        for (writer, shell) in shells.enumerated() {
            let ended = shell.wait(seconds: 120)
            #expect(ended.status == 0, "w\(writer): \(shell.stderr.text.suffix(500))")
            #expect(shell.stdout.text.components(separatedBy: "noted (#").count == 251, "w\(writer)")
        }
        let closing = try WarRoomBinary.run(["join", id, "--store", database.url, "--as", "closer", "--transcripts", folder.path], input: "close eight writers done\n")
        #expect(closing.status == 0, "\(closing.stderr)")

        let ended = watcher.wait(seconds: 60)
        #expect(ended.status == 0, "\(watcher.stderr.text)")
        let entries = try Self.entries(database.url, id)
        #expect(entries.map(\.seq) == Array(1...entries.count))
        for writer in 0..<8 {
            // Each note once, in the order its shell typed it.
            let mine = entries.filter { $0.kind == .note && $0.by == "w\(writer)" }.map(\.text)
            #expect(mine == (0..<250).map { "w\(writer) entry \($0)" })
        }
        // The opener, the eight, and the one who closed joined; all but the last left.
        #expect(entries.filter { $0.kind == .join }.count == 10)
        #expect(entries.filter { $0.kind == .leave }.count == 9)
        // The watcher printed every entry but read-only commands, in order.
        let printed = StoreEndToEndTests.printedSeqs(watcher.stdout.text)
        #expect(printed == entries.filter { $0.kind != .command }.map(\.seq))
        // The export `close` wrote beside the postmortem verifies, and ends at the head it printed.
        let head = try #require(closing.stdout.split(separator: "\n").first { $0.hasPrefix("Final head: #") })
        #expect(head == "Final head: #\(entries.count) \(entries.last!.hash)")
        let export = folder.file("\(id).jsonl")
        let verify = try WarRoomBinary.run(["verify", export])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("OK, \(entries.count) entries, chain head \(entries.last!.hash)"), "\(verify.stdout)")
        #expect(FileManager.default.fileExists(atPath: folder.file("\(id).postmortem.md")))
        #expect(try Self.verified(database.url, id))
    }

    @Test func aWriterKilledMidCommandLosesNothingItAcknowledgedAndStopsCountingAtOnce() throws {
        let database = try PostgresTestDatabase.initialized()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let id = try Self.openRoom(database.url, ["--free-form", "--clock", "virtual", "--speed", "0", "--title", "Kill nine"], folder: folder)
        let other = try Shell(["join", id, "--store", database.url, "--as", "omar"])
        let victim = try Shell(["join", id, "--store", database.url, "--as", "sam"])
        try victim.send("note sam is here")
        #expect(victim.waitFor("noted (#"))
        try other.send("who")
        #expect(other.waitFor("In the room now: 2 responders in 2 shells"), "\(other.process.stdout.text)")
        // sam's shell writes as fast as it can; it is killed while it does.
        try victim.process.send(Array((0..<200).map { "note sam \($0)\n" }.joined().utf8))
        #expect(victim.waitFor("noted (#", count: 101))
        try victim.process.send(Array((200..<400).map { "note sam \($0)\n" }.joined().utf8))
        kill(victim.process.pid, SIGKILL)
        let killed = victim.process.wait(seconds: 30)
        #expect(killed.status == 128 + SIGKILL)

        let entries = try Self.entries(database.url, id)
        let acknowledged = victim.process.stdout.text.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("noted (#") else { return nil }
            return Int(line.dropFirst("noted (#".count).dropLast())
        }
        #expect(acknowledged.count >= 101)
        for seq in acknowledged {
            #expect(entries[seq - 1].by == "sam" && entries[seq - 1].kind == .note, "#\(seq)")
        }
        let notes = entries.filter { $0.by == "sam" && $0.kind == .note }.map(\.text).dropFirst()
        #expect(Array(notes) == (0..<notes.count).map { "sam \($0)" })
        #expect(try Self.verified(database.url, id))
        // The store stopped counting the killed shell with its connection.
        try other.send("who")
        #expect(other.waitFor("In the room now: 1 responder in 1 shell", seconds: 30), "\(other.process.stdout.text)")
        #expect(other.waitFor("Gone without leaving (their shells ended): sam"))
        try other.send("note still here")
        #expect(other.waitFor("noted (#"))
        #expect(other.finish().status == 0, "\(other.process.stderr.text)")
    }

    @Test func shellsOpenWhileTheDatabaseRestartsRefuseReconnectAndGoOn() throws {
        let server = try PostgresServer()
        defer { server.stop(removing: true) }
        let database = try PostgresTestDatabase.initialized(on: server)
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let id = try Self.openRoom(database.url, ["--free-form", "--clock", "virtual", "--speed", "0", "--title", "Restart"], folder: folder)
        let dana = try Shell(["join", id, "--store", database.url, "--as", "dana"])
        let omar = try Shell(["join", id, "--store", database.url, "--as", "omar"])
        try dana.send("note before the restart")
        #expect(dana.waitFor("noted (#"))
        try omar.send("who")
        #expect(omar.waitFor("In the room now: 2 responders in 2 shells"), "\(omar.process.stderr.text)")

        try server.stopServer()
        try dana.send("note while it is down")
        #expect(dana.process.stderr.wait(seconds: 30) { $0.contains("line 2: error: not recorded: the store is unreachable; retry (") }, "\(dana.process.stderr.text)")
        try server.start()
        try dana.send("note after the restart")
        #expect(dana.waitFor("noted (#", count: 2), "\(dana.process.stderr.text)")
        // omar's shell reconnects at its next command and shows what dana recorded meanwhile
        // before its own output, as a piped script does.
        try omar.send("hyp the database restarted")
        #expect(omar.waitFor("H1: the database restarted"), "\(omar.process.stderr.text)")
        #expect(omar.process.stdout.text.contains("dana: note after the restart\nH1: the database restarted"), "\(omar.process.stdout.text)")
        #expect(dana.finish().status == 1)
        #expect(omar.finish().status == 0, "\(omar.process.stderr.text)")

        let entries = try Self.entries(database.url, id)
        let notes = entries.filter { $0.kind == .note }.map(\.text)
        #expect(notes == ["before the restart", "after the restart"])
        #expect(entries.filter { $0.kind == .leave }.map(\.by) == ["tester", "dana", "omar"])
        #expect(try Self.verified(database.url, id))
    }

    @Test func threeShellsOfADrillRecordWhatFallsDueOnceAndProbeTheSameSimulation() throws {
        let database = try PostgresTestDatabase.initialized()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let id = try Self.openRoom(database.url, ["--speed", "0"], folder: folder)
        let shells = try ["dana", "omar", "sam"].map { try Shell(["join", id, "--store", database.url, "--as", $0]) }
        // dana moves the room past the maintenance and the alert; omar and sam then advance
        // at the same moment, past the timebox and further.
        try shells[0].send("advance 20m")
        #expect(shells[0].waitFor("03:30:00Z → 03:50:00Z"), "\(shells[0].process.stderr.text)")
        try shells[1].send("advance 10m")
        try shells[2].send("advance 10m")
        #expect(shells[1].waitFor(" → ") && shells[2].waitFor(" → "), "\(shells[1].process.stderr.text)\(shells[2].process.stderr.text)")
        // Each shell follows the room's clock and rebuilds the same simulation from the record.
        for shell in shells { try shell.send("probe distribution") }
        for shell in shells { #expect(shell.waitFor("Distribution over the last 60s"), "\(shell.process.stderr.text)") }
        for shell in shells { #expect(shell.finish().status == 0, "\(shell.process.stderr.text)") }
        let probes = try shells.map { shell in
            let text = shell.process.stdout.text
            let start = try #require(text.range(of: "Distribution over the last 60s", options: .backwards)).lowerBound
            return String(text[start...])
        }
        #expect(probes[0] == probes[1] && probes[1] == probes[2], "\(probes)")

        let entries = try Self.entries(database.url, id)
        #expect(entries.map(\.seq) == Array(1...entries.count))
        let alerts = entries.filter { $0.kind == .alert }.compactMap { $0.data["key"]?.stringValue }
        #expect(!alerts.isEmpty)
        #expect(Set(alerts).count == alerts.count, "\(alerts)")
        let events = entries.filter { $0.kind == .lb && $0.by == "maintenance-automation" }
        #expect(events.count == 1)
        let timers = entries.filter { $0.kind == .timer }.map { "\($0.data["timer"]?.stringValue ?? "") \($0.data["due"]?.stringValue ?? "") \($0.data["step"]?.stringValue ?? "")" }
        #expect(!timers.isEmpty)
        #expect(Set(timers).count == timers.count, "\(timers)")
        let probeTimes = entries.filter { $0.kind == .probe }.map(\.at)
        #expect(probeTimes.count == 3 && Set(probeTimes).count == 1)
        #expect(try Self.verified(database.url, id))
    }

    @Test func clocksThatDisagreeByHoursReadTheRoomsTimeFromTheDatabase() throws {
        let preload = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
        try #require(FileManager.default.fileExists(atPath: preload), "libfaketime is not installed: run scripts/setup test (apt-get install libfaketime)")
        let database = try PostgresTestDatabase.initialized()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        // A drill at 60 simulated seconds a second, and a wall-clock incident.
        let drill = try Self.openRoom(database.url, ["--speed", "60"], folder: folder)
        let real = try Self.openRoom(database.url, ["--free-form", "--title", "Wall clock"], folder: folder)
        for id in [drill, real] {
            let skewed = try Shell(["join", id, "--store", database.url, "--as", "skewed"], clockOffset: "-3h", preload: preload)
            let local = try Shell(["join", id, "--store", database.url, "--as", "local"])
            try skewed.send("note from the machine three hours behind")
            try local.send("note from the machine on time")
            #expect(skewed.waitFor("noted (#"), "\(skewed.process.stdout.text.prefix(300)) \(skewed.process.stderr.text.prefix(300))")
            #expect(local.waitFor("noted (#"), "\(local.process.stderr.text)")
            #expect(skewed.finish().status == 0 && local.finish().status == 0)
            let notes = try Self.entries(database.url, id).filter { $0.kind == .note }
            let skewedNote = try #require(notes.first { $0.by == "skewed" })
            let localNote = try #require(notes.first { $0.by == "local" })
            // The two were typed within moments of each other: within a second of real time
            // (a minute of the drill's), not three hours (or 180 of the drill's).
            let tolerance: Int64 = id == drill ? 60_000 : 1000
            #expect(abs(skewedNote.at - localNote.at) <= tolerance, "\(skewedNote.at.iso8601) vs \(localNote.at.iso8601)")
            #expect(abs(skewedNote.wall - localNote.wall) <= 1000, "\(skewedNote.wall.iso8601) vs \(localNote.wall.iso8601)")
        }
    }

    @Test func anEntryTypedInOneTerminalAppearsAboveTheOthersPromptWithTheHalfTypedLineKept() throws {
        try TerminalTests.requireTmux()
        let database = try PostgresTestDatabase.initialized()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let id = try Self.openRoom(database.url, ["--free-form", "--clock", "virtual", "--speed", "0", "--title", "Two terminals"], folder: folder)
        let shell = { (name: String) in
            "env NO_COLOR=1 WARROOM_USER=\(name) WARROOM_HISTORY=\(folder.file("history-\(name)")) \(WarRoomBinary.path) join \(id) --store '\(database.url)' --transcripts \(folder.path); echo EXITED-$?; sleep 30"
        }
        let dana = try TerminalTests.Tmux(command: shell("dana"))
        try dana.waitForPrompt("dana's prompt") { $0.contains("In the room: dana") }
        let omar = try TerminalTests.Tmux(command: shell("omar"))
        try omar.waitForPrompt("omar's prompt") { $0.contains("In the room: dana, omar") }
        try dana.waitFor("omar joining, above dana's prompt") { $0.contains("omar: omar joined") }
        try dana.type("note half-typed")
        try omar.type("note msg-28 flaps")
        try omar.send("Enter")
        try omar.waitForPrompt("omar's note recorded") { $0.contains("noted (#") }
        // On dana's screen within a second: omar's entry above the prompt, her line intact.
        let began = Date()
        let screen = try dana.waitFor("omar's note above dana's prompt", timeout: 5) { screen in
            let lines = screen.split(separator: "\n").map(String.init)
            guard let last = lines.last, let above = lines.dropLast().last else { return false }
            return above.hasSuffix("omar: note msg-28 flaps") && last.hasSuffix("> note half-typed")
        }
        // Generous for a loaded machine polling tmux; the latency itself is measured by
        // RoomBench (BENCHMARKS.md).
        #expect(Date().timeIntervalSince(began) < 3, "\(screen)")
        try dana.send("Enter")
        try dana.waitForPrompt("dana's note recorded") { $0.contains("noted (#") }
        try omar.waitFor("dana's note on omar's screen") { $0.contains("dana: note half-typed") }
        try dana.send("C-d")
        try dana.waitFor("dana leaves") { $0.contains("Left the room;") && $0.contains("EXITED-0") }
        try omar.send("C-d")
        try omar.waitFor("omar leaves") { $0.contains("EXITED-0") }
        let entries = try Self.entries(database.url, id)
        #expect(entries.filter { $0.kind == .note }.map { "\($0.by): \($0.text)" } == ["omar: msg-28 flaps", "dana: half-typed"])
        #expect(entries.filter { $0.kind == .leave }.map(\.by) == ["tester", "dana", "omar"])
    }

    /// Writers that type notes a line at a time (`note wN entry K`, one every `interval`
    /// microseconds), so that what happens to the store falls among their commands.
    static func startWriters(_ count: Int, notes: Int, interval: useconds_t = 2000, id: String, url: String, folder: TemporaryFolder) throws -> (shells: [ChildProcess], fed: DispatchGroup) {
        let shells = try (0..<count).map { writer in
            try WarRoomBinary.start(["join", id, "--store", url, "--as", "w\(writer)", "--transcripts", folder.path])
        }
        // Every writer is in the room before the store is made to fail: a shell that cannot
        // open the room says so and writes nothing, which is not what these tests look at.
        let began = Date()
        while try entries(url, id).filter({ $0.kind == .join }).count < count, Date().timeIntervalSince(began) < 60 { usleep(10_000) }
        let fed = DispatchGroup()
        for (writer, shell) in shells.enumerated() {
            fed.enter()
            Thread {
                for index in 0..<notes {
                    try? shell.send(Array("note w\(writer) entry \(index)\n".utf8))
                    usleep(interval)
                }
                shell.closeInput()
                fed.leave()
            }.start()
        }
        return (shells, fed)
    }

    /// Checks what each writer was told against the record: every note acknowledged is there
    /// once, every note said "not recorded" is not there, a note in doubt is there at most
    /// once and as the shell said once it knew, and no note is there twice.
    /// - Returns: how many notes were acknowledged, refused and in doubt.
    static func checkExactlyOnce(_ shells: [ChildProcess], notes: Int, url: String, id: String) throws -> (acknowledged: Int, refused: Int, inDoubt: Int) {
        // Every shell has answered every line before the record is read.
        let endings = shells.map { $0.wait(seconds: 120) }
        let entries = try entries(url, id)
        #expect(entries.map(\.seq) == Array(1...entries.count))
        var (acknowledged, refused, inDoubt) = (0, 0, 0)
        for (writer, shell) in shells.enumerated() {
            let ended = endings[writer]
            // Answers come in the order of the lines; a shell that ended early left the rest
            // unanswered, and none of those may count as acknowledged.
            let answered = shell.stdout.text.components(separatedBy: "noted (#").count - 1 + shell.stderr.text.components(separatedBy: "\nline ").count - 1 + (shell.stderr.text.hasPrefix("line ") ? 1 : 0)
            #expect(answered >= notes, "w\(writer) ended (\(ended.status)) before answering every note: \(shell.stderr.text.suffix(800))")
            let recorded = entries.filter { $0.kind == .note && $0.by == "w\(writer)" }.map(\.text)
            #expect(Set(recorded).count == recorded.count, "w\(writer) has a note recorded twice: \(recorded)")
            var errors: [Int: String] = [:]
            for line in shell.stderr.text.split(separator: "\n") where line.hasPrefix("line ") {
                guard let number = Int(line.dropFirst(5).prefix { $0.isNumber }) else { continue }
                errors[number - 1] = String(line)
            }
            let stdout = shell.stdout.text
            for index in 0..<notes {
                let text = "w\(writer) entry \(index)"
                let count = recorded.filter { $0 == text }.count
                guard index < answered else {
                    #expect(count <= 1, "w\(writer): '\(text)' was never answered and is recorded \(count) times")
                    continue
                }
                guard let error = errors[index] else {
                    acknowledged += 1
                    #expect(count == 1, "w\(writer): '\(text)' was acknowledged and is recorded \(count) times")
                    continue
                }
                if error.contains("not known yet whether") {
                    inDoubt += 1
                    #expect(count <= 1, "\(text)")
                    if stdout.contains("'note \(text)' was recorded after all") { #expect(count == 1, "\(text)") }
                    if stdout.contains("'note \(text)' was not recorded") { #expect(count == 0, "\(text)") }
                } else {
                    refused += 1
                    #expect(count == 0, "w\(writer): '\(text)' was reported not recorded but is: \(error)")
                }
            }
        }
        return (acknowledged, refused, inDoubt)
    }

    @Test func crashesUnderWritersLoseNoAcknowledgedEntryAndRecordNoneTwice() throws {
        let server = try PostgresServer(durable: true)
        defer { server.stop(removing: true) }
        let database = try PostgresTestDatabase.initialized(on: server)
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let id = try Self.openRoom(database.url, ["--free-form", "--clock", "virtual", "--speed", "0", "--title", "Crashes"], folder: folder)
        // Small in the suite; WARROOM_CRASH_WRITERS=8 WARROOM_CRASHES=40 runs it at the size
        // docs/RELIABILITY.md reports.
        let environment = ProcessInfo.processInfo.environment
        let writers = environment["WARROOM_CRASH_WRITERS"].flatMap(Int.init) ?? 4
        let crashes = environment["WARROOM_CRASHES"].flatMap(Int.init) ?? 5
        let notes = 30 * crashes
        let (shells, fed) = try Self.startWriters(writers, notes: notes, id: id, url: database.url, folder: folder)
        for _ in 0..<crashes {
            usleep(150_000)
            try server.crash()
            usleep(100_000)
            try server.start()
        }
        #expect(fed.wait(timeout: .now() + 180) == .success)
        let (acknowledged, refused, inDoubt) = try Self.checkExactlyOnce(shells, notes: notes, url: database.url, id: id)
        #expect(acknowledged > 0)
        #expect(try Self.verified(database.url, id))
        print("crashes: \(crashes) under \(writers) writers: acknowledged \(acknowledged), refused \(refused), in doubt \(inDoubt)")
    }

    @Test func aPrimaryKilledUnderWritersFailsOverToItsStandbyLosingAndRecordingTwiceNothing() throws {
        let primary = try PostgresServer(durable: true, replicating: true)
        defer { primary.stop(removing: true) }
        let database = try PostgresTestDatabase.initialized(on: primary)
        let standby = try primary.startStandby()
        defer { standby.stop(removing: true) }
        // libpq's multi-host string: whichever of the two takes writes.
        let url = "host=\(primary.socketFolder),\(standby.socketFolder) dbname=\(database.name) user=postgres target_session_attrs=read-write"
        let standbyURL = standby.url(database: database.name)
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let id = try Self.openRoom(url, ["--free-form", "--clock", "virtual", "--speed", "0", "--title", "Failover"], folder: folder)
        let writers = ProcessInfo.processInfo.environment["WARROOM_CRASH_WRITERS"].flatMap(Int.init) ?? 4
        // Typed for 10 s, longer than a failover may take (the test allows 10 s to the first
        // write): a promotion slowed by a busy machine must still find writers typing.
        let notes = 1000
        let (shells, fed) = try Self.startWriters(writers, notes: notes, interval: 10_000, id: id, url: url, folder: folder)
        usleep(400_000)
        let killed = Date()
        primary.kill9()
        try standby.promote()
        let promoted = Date()
        // The first entry written on the new primary after the old one died.
        let before = try Self.entries(standbyURL, id).count
        var firstWrite: Double?
        while firstWrite == nil, Date().timeIntervalSince(killed) < 30 {
            if try Self.entries(standbyURL, id).count > before { firstWrite = Date().timeIntervalSince(killed) } else { usleep(20_000) }
        }
        #expect(fed.wait(timeout: .now() + 180) == .success)
        let (acknowledged, refused, inDoubt) = try Self.checkExactlyOnce(shells, notes: notes, url: standbyURL, id: id)
        #expect(try Self.verified(standbyURL, id))
        let seconds = try #require(firstWrite, "nothing was written on the new primary within 30 s")
        #expect(seconds < 10)
        print(String(format: "failover under %d writers: promoted %.2f s after the kill, first write on the new primary %.2f s after it; acknowledged %d, refused %d, in doubt %d",
                     writers, promoted.timeIntervalSince(killed), seconds, acknowledged, refused, inDoubt))
    }

    @Test func aLateJoinerSeesARecapAndTheTimelineOfTheRoom() throws {
        try TerminalTests.requireTmux()
        let database = try PostgresTestDatabase.initialized()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let id = try Self.openRoom(database.url, ["--speed", "0"], folder: folder)
        let dana = try WarRoomBinary.run(["join", id, "--store", database.url, "--as", "dana", "--transcripts", folder.path], input: """
            advance 20m
            hyp DDoS
            rule-out H1 traffic at baseline
            hyp the weights
            role commander dana
            update errors at 10%; rolling back the 03:40 weights
            lb history
            lb rollback
            """)
        #expect(dana.status == 0, "\(dana.stderr)")
        let omar = try TerminalTests.Tmux(command: "env NO_COLOR=1 WARROOM_USER=omar WARROOM_HISTORY=\(folder.file("history-omar")) \(WarRoomBinary.path) join \(id) --store '\(database.url)' --transcripts \(folder.path); echo EXITED-$?; sleep 30")
        // The test logs in as the superuser `postgres`, so the recap shows the login beside the name.
        let recap = try omar.waitFor("the recap above omar's prompt") { $0.contains("here: postgres as omar") }
        #expect(recap.contains("Recap of \(id) at 03:50Z"), "\(recap)")
        #expect(recap.contains("ruled out: H1 DDoS (traffic at baseline)"), "\(recap)")
        #expect(recap.contains("open: H2 the weights"), "\(recap)")
        #expect(recap.contains("configuration: v2 03:40Z by maintenance-automation"), "\(recap)")
        #expect(recap.contains("v3 03:50Z by dana: rollback to ver"), "\(recap)")
        #expect(recap.contains("roles: commander dana"), "\(recap)")
        #expect(recap.contains("last update 03:50Z by dana: errors at 10%; rolling back the 03:40 weights"), "\(recap)")
        try omar.type("timeline --last 3")
        try omar.send("Enter")
        try omar.waitFor("the room's timeline, read through the store") { $0.contains("join") && $0.contains("omar joined") }
        try omar.send("C-d")
        try omar.waitFor("omar leaves") { $0.contains("EXITED-0") }
    }

    @Test func noCredentialOfTheStoreReachesTheCommandLineOrTheRecordThroughShellCommands() throws {
        let database = try PostgresTestDatabase.initialized()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let password = "Shell-Wr1ter-pw"
        let writer = try database.server.createLoginRole(prefix: "scribe", password: password, group: PostgresSchema.writerRole)
        let writerURL = "postgresql://\(writer):\(password)@/\(database.name)?host=\(database.server.socketFolder.replacingOccurrences(of: "/", with: "%2F"))"
        let id = try Self.openRoom(writerURL, ["--free-form", "--clock", "virtual", "--speed", "0", "--title", "Secrets"], folder: folder)
        let passfile = folder.file("pgpass")
        try "*:*:*:\(writer):\(password)\n".write(toFile: passfile, atomically: true, encoding: .utf8)
        let shell = try Shell(["join", id, "--store", writerURL, "--allow-shell", "--transcripts", folder.path],
                              environment: ["WARROOM_STORE": writerURL, "PGPASSWORD": password])
        try shell.send("note in")
        #expect(shell.waitFor("noted (#"))
        // While it runs, its command line holds no password (every local user can read it).
        let commandLine = try String(contentsOfFile: "/proc/\(shell.process.pid)/cmdline", encoding: .utf8)
        #expect(commandLine.contains("join") && !commandLine.contains(password), "\(commandLine)")
        try shell.send("!env", "!ps -o args= -p $PPID", "!cat \(passfile)", "quit")
        let ended = shell.finish()
        #expect(ended.status == 0, "\(shell.process.stderr.text)")
        let outputs = try Self.entries(database.url, id).filter { $0.kind == .shell }
        #expect(outputs.count == 3)
        for entry in outputs {
            #expect(!entry.text.contains(password) && !(entry.input ?? "").contains(password), "\(entry.text)")
            #expect(!entry.text.contains("WARROOM_STORE=") && !entry.text.contains("PGPASSWORD="), "\(entry.text)")
        }
        #expect(outputs[1].text.contains("join \(id)"), "\(outputs[1].text)")
        #expect(outputs[2].text.contains("\(writer):***"), "\(outputs[2].text)")
        #expect(!(shell.process.stdout.text + shell.process.stderr.text).contains(password))
    }

    @Test func aWriterRoleWorksTheRoomAReaderIsToldToWatchAndNoPasswordShows() throws {
        let database = try PostgresTestDatabase.initialized()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let password = "Room-Wr1ter-pw"
        let writer = try database.server.createLoginRole(prefix: "responder", password: password, group: PostgresSchema.writerRole)
        let reader = try database.server.createLoginRole(prefix: "stakeholder", password: password, group: PostgresSchema.readerRole)
        let writerURL = "postgresql://\(writer):\(password)@/\(database.name)?host=\(database.server.socketFolder.replacingOccurrences(of: "/", with: "%2F"))"
        let id = try Self.openRoom(writerURL, ["--free-form", "--clock", "virtual", "--speed", "0", "--title", "Grants"], folder: folder)
        let worked = try WarRoomBinary.run(["join", id, "--store", writerURL, "--transcripts", folder.path], input: "note a writer writes\nwho\nbogus-command\nclose\n")
        #expect(worked.status == 1, "\(worked.stderr)")
        #expect(worked.stdout.contains("noted (#"))
        #expect(worked.stdout.contains("Final head: #"))
        let closed = try WarRoomBinary.run(["join", id, "--store", database.url(user: reader, password: password)])
        #expect(closed.status == 1)
        #expect(closed.stderr.contains("incident \(id) is closed; nothing more can be recorded"), "\(closed.stderr)")
        // A reader of an open one is told to watch.
        let open = try Self.openRoom(writerURL, ["--free-form", "--clock", "virtual", "--speed", "0", "--title", "Still open"], folder: folder)
        let refused = try WarRoomBinary.run(["join", open, "--store", database.url(user: reader, password: password)])
        #expect(refused.status == 74)
        #expect(refused.stderr.contains("can read incident \(open) but not write to it, so it cannot join the room; watch it with 'warroom watch \(open)'"), "\(refused.stderr)")
        let results = [worked, closed, refused]
        for result in results { #expect(!(result.stdout + result.stderr).contains(password)) }
        for entry in try Self.entries(database.url, id) { #expect(!entry.text.contains(password) && !(entry.input ?? "").contains(password)) }
        let export = try String(contentsOfFile: folder.file("\(id).jsonl"), encoding: .utf8)
        #expect(!export.contains(password))
        var info = stat()
        stat(folder.file("\(id).jsonl"), &info)
        #expect(info.st_mode & 0o777 == 0o600)
    }
}
