import Foundation
import Testing
import WarRoomKit
import WarRoomPostgres
import WarRoomTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A team drill on a real PostgreSQL: a facilitator (`warroom drill host`) and two responders
/// (`join`), each a real `warroom` process, with `watch` following. The facilitator's whisper
/// and hint must reach nobody they are not for; the inject reaches everyone once; the three
/// shells read the same simulation.
@Suite(.serialized) struct TeamDrillTests {
    static let whisper = "WHISPER-7f3a the team will go for the database first"
    static let hint = "HINT-91bc compare each server's share of the traffic"


    @Test func theFacilitatorsPrivateLinesReachNoResponderAndTheInjectReachesEveryone() throws {
        let database = try PostgresServer.shared().createDatabase()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        #expect(try WarRoomBinary.run(["store", "init", database.url]).status == 0)
        let url = ConnectionString(database.url)
        let facilitator = try WarRoomBinary.start(["drill", "host", "lb-misconfig-2023-11-05", "--store", database.url, "--speed", "0", "--as", "fac",
                                                   "--playbook", "lb-cascading-failure", "--transcripts", folder.path])
        var id = ""
        #expect(waitFor(seconds: 30) { id = (try? PostgresCatalog.list(url: url).first?.id) ?? ""; return !id.isEmpty })
        let store = try PostgresTranscriptStore.open(url: url, incident: id, readOnly: true)
        defer { store.close() }
        let watch = try WarRoomBinary.start(["watch", id, "--store", database.url])
        let dana = try WarRoomBinary.start(["join", id, "--store", database.url, "--as", "dana", "--transcripts", folder.path])
        let omar = try WarRoomBinary.start(["join", id, "--store", database.url, "--as", "omar", "--transcripts", folder.path])
        #expect(try waitFor(seconds: 30) { try store.entries(after: 0).filter { $0.kind == .join }.count >= 3 })

        for line in ["whisper \(Self.whisper)", "hint dana \(Self.hint)", "inject customer-tweets", "inject traffic ×2 for 30m", "advance 20m", "truth"] {
            try facilitator.send(Array((line + "\n").utf8))
        }
        #expect(try waitFor(seconds: 30) { try store.entries(after: 0).contains { $0.kind == .command && $0.input == "truth" } })
        // Each responder probes the room's one simulation at the same room time, and looks at the timeline.
        for shell in [dana, omar, facilitator] {
            try shell.send(Array("probe distribution\nprobe traffic\ntimeline\nshow 1\n".utf8))
        }
        #expect(try waitFor(seconds: 30) { try store.entries(after: 0).filter { $0.kind == .probe }.count >= 6 })
        for shell in [dana, omar] { try shell.send(Array("quit\n".utf8)); shell.closeInput() }
        #expect(dana.wait(seconds: 60).status == 0, "\(dana.stderr.text)")
        #expect(omar.wait(seconds: 60).status == 0, "\(omar.stderr.text)")
        try facilitator.send(Array("close drill over\n".utf8))
        facilitator.closeInput()
        #expect(facilitator.wait(seconds: 60).status == 0, "\(facilitator.stderr.text)")
        #expect(watch.wait(seconds: 30).status == 0)

        let entries = try store.entries(after: 0)
        // The inject is recorded once, and every shell was shown it.
        #expect(entries.filter { $0.kind == .inject }.count == 1)
        for (name, shell) in [("dana", dana), ("omar", omar)] {
            #expect(shell.stdout.text.contains("INJECT"), "\(name) was shown the inject: \(shell.stdout.text.prefix(2000))")
            #expect(!shell.stdout.text.contains("WHISPER-7f3a") && !shell.stderr.text.contains("WHISPER-7f3a"), "\(name) saw the whisper")
            #expect(!shell.stdout.text.contains("traffic ×2") && !shell.stderr.text.contains("traffic ×2"), "\(name) was told of the silent inject")
        }
        #expect(dana.stdout.text.contains("HINT-91bc"), "the hint reached dana")
        #expect(!omar.stdout.text.contains("HINT-91bc") && !omar.stderr.text.contains("HINT-91bc"), "omar saw dana's hint")
        #expect(!watch.stdout.text.contains("WHISPER-7f3a") && !watch.stdout.text.contains("HINT-91bc"), "watch showed a private line")
        #expect(watch.stdout.text.contains("INJECT"))
        // The facilitator sees what nobody else does.
        #expect(facilitator.stdout.text.contains("Trigger 03:40Z; par: detect by 03:45Z"))
        #expect(facilitator.stdout.text.contains("[facilitator only] whisper: \(Self.whisper)"), "\(facilitator.stdout.text.suffix(3000))")
        // Identical readings in all three shells: the same figures at the same room time.
        let probes = entries.filter { $0.kind == .probe && $0.data["probe"] == "distribution" }
        #expect(probes.count == 3)
        #expect(Set(probes.map(\.at)).count == 1, "\(probes.map(\.at))")
        #expect(Set(probes.map { ($0.data["metrics"] ?? .null).serialized() }).count == 1, "\(probes.map { $0.data["metrics"] ?? .null })")
        // The silent inject doubled the traffic in every shell's simulation alike.
        let traffic = entries.filter { $0.kind == .probe && $0.data["probe"] == "traffic" }
        #expect(traffic.count == 3)
        #expect(Set(traffic.map { ($0.data["metrics"] ?? .null).serialized() }).count == 1, "\(traffic.map { $0.data["metrics"] ?? .null })")
        #expect(traffic.allSatisfy { $0.text.contains("(ratio 2.00)") }, "\(traffic.map(\.text))")
        #expect(entries.filter { $0.data["private"] == "inject" }.count == 1)
        #expect(!watch.stdout.text.contains("traffic ×2"), "watch showed the silent inject")

        // No private entry in an export without --facilitator, nor in the postmortem.
        let refused = try WarRoomBinary.run(["export", id, "--store", database.url])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stdout.isEmpty && refused.stderr.contains("--facilitator"))
        let exported = try WarRoomBinary.run(["export", id, "--store", database.url, "--facilitator"])
        #expect(exported.status == 0 && exported.stdout.contains("WHISPER-7f3a"))
        let postmortem = try WarRoomBinary.run(["postmortem", id, "--store", database.url, "--format", "json"])
        #expect(postmortem.status == 0, "\(postmortem.stderr)")
        #expect(!postmortem.stdout.contains("WHISPER-7f3a") && !postmortem.stdout.contains("HINT-91bc"))
        let timeline = try WarRoomBinary.run(["timeline", id, "--store", database.url])
        #expect(!timeline.stdout.contains("WHISPER-7f3a") && timeline.stdout.contains("INJECT customer-tweets"))
        #expect(try WarRoomBinary.run(["timeline", id, "--store", database.url, "--facilitator"]).stdout.contains("[facilitator only] hint for dana"))
        // The debrief times the inject's first reaction from the record.
        let debrief = try WarRoomBinary.run(["debrief", id, "--store", database.url, "--format", "json"])
        #expect(debrief.status == 0, "\(debrief.stderr)")
        let happenings = try JSONValue.parse(debrief.stdout)["happenings"]?.arrayValue ?? []
        let inject = try #require(happenings.first { $0["what"]?.stringValue?.hasPrefix("inject customer-tweets") == true }, "\(happenings)")
        let injected = try #require(entries.first { $0.kind == .inject })
        let reaction = try #require(entries.first { $0.seq > injected.seq && $0.isByAPerson && $0.by != "fac" && ![.join, .leave].contains($0.kind) })
        #expect(inject["reaction"]?["at"] == .string(reaction.at.iso8601) && inject["reaction"]?["by"] == .string(reaction.by))
    }

    /// A silent inject into the simulation holds for its time in a resumed shell, replays, and
    /// is in the postmortem's re-run and the debrief, never in the team's view.
    @Test func aSilentInjectHoldsForItsTimeThroughResumeReplayAndThePostmortem() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let hosted = try WarRoomBinary.run(["drill", "host", "lb-misconfig-2023-11-05", "--speed", "0", "--transcripts", folder.path, "--as", "fac"],
                                           input: "inject db latency 200ms for 15m\ninject traffic ×2 for 10m\ninject weight msg-03 5\n"
                                               + "inject drain the support queue first\ninject traffic 2 users complained\nadvance 2m\nquit\n")
        #expect(hosted.status == 0, "\(hosted.stderr)")
        #expect(hosted.stdout.contains("injected silently (#"), "\(hosted.stdout)")
        #expect(hosted.stdout.contains("database latency 200 ms for 15m, until 03:45:00Z"), "\(hosted.stdout)")
        // Words for the team that begin like a change stay words for the team.
        #expect(hosted.stdout.contains("): drain the support queue first") && hosted.stdout.contains("): traffic 2 users complained"),
                "\(hosted.stdout)")
        let path = try #require(WarRoomTestSupport.transcripts(in: folder.path).first)
        // A responder resumes: the simulation is rebuilt with the injects at their times.
        let dana = try WarRoomBinary.run(["resume", path, "--as", "dana"],
                                         input: "probe db\nprobe traffic\nlb history\nadvance 14m\nprobe db\ntimeline\nquit\n")
        #expect(dana.status == 0, "\(dana.stderr)")
        let lines = dana.stdout.split(separator: "\n").map(String.init)
        let latencies = lines.filter { $0.hasPrefix("latency ") }
        #expect(latencies.count == 2 && latencies[0].contains("200 ms") && !latencies[1].contains("200 ms"), "\(latencies)")
        #expect(dana.stdout.contains("(ratio 2.00)"), "\(dana.stdout)")
        #expect(dana.stdout.contains("weight msg-03: 100 → 5"), "the load balancer inject is an lb change: \(dana.stdout)")
        #expect(!dana.stdout.contains("for 15m") && !dana.stdout.contains("traffic ×2"), "dana was told of the silent inject: \(dana.stdout)")

        let replay = try WarRoomBinary.run(["replay", path])
        #expect(replay.status == 0 && replay.stdout.contains("replay identical"), "\(replay.stdout)\(replay.stderr)")

        // The postmortem's re-run makes the injects: traffic is twice the baseline while the inject holds.
        let postmortem = try WarRoomBinary.run(["postmortem", path, "--format", "json"])
        #expect(postmortem.status == 0, "\(postmortem.stderr)")
        #expect(!postmortem.stdout.contains("traffic ×2") && !postmortem.stdout.contains("200 ms for 15m"))
        let simulation = try JSONValue.parse(postmortem.stdout)["evidence"]?["chart"]?["simulation"]
        let rates = try #require(simulation?["request_rate"]?.arrayValue, "\(postmortem.stdout.prefix(400))")
        func rate(at minute: String) -> Double? { rates.first { $0["at"]?.stringValue == "2023-11-05T03:\(minute):00.000Z" }?["value"]?.doubleValue }
        let during = try #require(rate(at: "35")), after = try #require(rate(at: "45"))
        #expect(during > 1.8 * after && during < 2.2 * after, "\(rates)")

        // The debrief says when the team met each silent inject.
        let debrief = try WarRoomBinary.run(["debrief", path, "--format", "json"])
        let happenings = try JSONValue.parse(debrief.stdout)["happenings"]?.arrayValue ?? []
        let met = try #require(happenings.first { $0["what"]?.stringValue?.hasPrefix("silent inject: database latency 200 ms") == true }, "\(happenings)")
        #expect(met["reaction"]?["by"] == "dana" && met["reaction"]?["text"]?.stringValue == "probe db", "\(met)")
    }

    @Test func onlyTheFacilitatorHasTheFacilitatorsCommands() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let drill = try WarRoomBinary.run(["start", "--speed", "0", "--transcripts", folder.path, "--as", "dana"],
                                          input: "whisper hello\ninject customer-tweets\ntruth\n")
        #expect(drill.stderr.contains("'whisper' is for a team drill's facilitator: open one with 'warroom drill host SCENARIO'"), "\(drill.stderr)")
        let hosted = try WarRoomBinary.run(["drill", "host", "lb-misconfig-2023-11-05", "--speed", "0", "--transcripts", folder.path, "--as", "fac"],
                                           input: "inject exec-ask\ninject\nquit\n")
        #expect(hosted.stderr.contains("no inject 'exec-ask' in the scenario's library (did you mean 'exec-asks'?)"), "\(hosted.stderr)")
        #expect(hosted.stdout.contains("exec-asks: The VP of engineering"))
        let path = try #require(WarRoomTestSupport.transcripts(in: folder.path).first { (try? TranscriptLog.read(path: $0).entries.first?.data["facilitator"]) != nil })
        let resumed = try WarRoomBinary.run(["resume", path, "--as", "dana"], input: "whisper hello\ntimeline\n")
        #expect(resumed.stderr.contains("only the drill's facilitator (fac) can use 'whisper'"), "\(resumed.stderr)")
        // The facilitator's mistyped inject is private too: dana's timeline does not show it.
        #expect(!resumed.stdout.contains("exec-ask"), "\(resumed.stdout)")
        let noScenario = try WarRoomBinary.run(["drill", "host", "no-such-scenario", "--transcripts", folder.path])
        #expect(noScenario.status != 0 && noScenario.stderr.contains("no-such-scenario"))
    }

    @Test func aFacilitatorsTerminalBesideAResponders() throws {
        try TerminalTests.requireTmux()
        let database = try PostgresTestDatabase.initialized()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let shell = { (name: String, command: String) in
            "env NO_COLOR=1 WARROOM_USER=\(name) WARROOM_HISTORY=\(folder.file("history-\(name)")) \(WarRoomBinary.path) \(command) --store '\(database.url)' --transcripts \(folder.path); echo EXITED-$?; sleep 30"
        }
        let facilitator = try TerminalTests.Tmux(command: shell("fac", "drill host lb-misconfig-2023-11-05 --speed 0 --playbook lb-cascading-failure"))
        try facilitator.waitForPrompt("the facilitator's prompt") { $0.contains("You are this drill's facilitator") }
        let url = ConnectionString(database.url)
        var id = ""
        #expect(waitFor(seconds: 30) { id = (try? PostgresCatalog.list(url: url).first?.id) ?? ""; return !id.isEmpty })
        let dana = try TerminalTests.Tmux(command: shell("dana", "join \(id)"))
        try dana.waitForPrompt("dana's prompt") { $0.contains("In the room: fac, dana") || $0.contains("In the room: dana, fac") }
        #expect(try !dana.screen().contains("You are this drill's facilitator"))
        try facilitator.type("whisper \(Self.whisper)")
        try facilitator.send("Enter")
        try facilitator.waitForPrompt("the whisper recorded") { $0.contains("whispered (#") }
        try facilitator.type("inject exec-asks")
        try facilitator.send("Enter")
        try facilitator.waitForPrompt("the inject recorded") { $0.contains("injected exec-asks") }
        // Above dana's prompt: the inject, never the whisper.
        let screen = try dana.waitFor("the inject on dana's screen", timeout: 10) { $0.contains("INJECT: The VP of engineering asks") }
        #expect(!screen.contains("WHISPER-7f3a"), "\(screen)")
        try dana.type("whisper me too")
        try dana.send("Enter")
        try dana.waitForPrompt("dana refused") { $0.contains("only the drill's facilitator (fac) can use 'whisper'") }
        try facilitator.type("truth")
        try facilitator.send("Enter")
        try facilitator.waitFor("the truth on the facilitator's screen") { $0.contains("Servers now (") && $0.contains("msg-30") }
        #expect(try !dana.screen().contains("Servers now ("))
        try dana.send("C-d")
        try dana.waitFor("dana leaves") { $0.contains("EXITED-0") }
        try facilitator.send("C-d")
        try facilitator.waitFor("the facilitator leaves") { $0.contains("EXITED-0") }
    }
}
