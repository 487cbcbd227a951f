import Foundation
import Testing
import WarRoomKit
import WarRoomPostgres
import WarRoomTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Pages and updates out (`--notify`): the real binary against local receivers that check each
/// request against PagerDuty's Events API v2 and Slack's incoming webhook formats.
@Suite(.serialized) struct NotifyEndToEndTests {
    static let routingKey = "R0UT1NGK3Y0123456789abcdefABCDEF"
    static let slackSecret = "T0000SECRET/B0000SECRET/XXXXslackSECRETxxxx"

    /// A folder with a notify file naming the receivers through the environment.
    struct Setup {
        let folder: TemporaryFolder
        let receiver: NotificationReceiver
        var transcripts: String { folder.file("Transcripts") }
        var notifyFile: String { folder.file("notify.yaml") }
        var history: String { folder.file("history") }
        var environment: [String: String] {
            ["PD_SRE_KEY": NotifyEndToEndTests.routingKey, "SLACK_URL": receiver.url("/slack/services/\(NotifyEndToEndTests.slackSecret)"),
             "WARROOM_HISTORY": history]
        }

        init(slackEvents: String = "[update, close]") throws {
            folder = try TemporaryFolder()
            receiver = try NotificationReceiver()
            try FileManager.default.createDirectory(atPath: folder.file("Transcripts"), withIntermediateDirectories: true)
            try """
                pagerduty:
                  - team: sre
                    routing_key_env: PD_SRE_KEY
                    url: \(receiver.url("/pagerduty"))
                slack:
                  - webhook_url_env: SLACK_URL
                    events: \(slackEvents)
                retry:
                  attempts: 5
                  backoff: 100ms
                  timeout: 1s

                """.write(toFile: notifyFile, atomically: true, encoding: .utf8)
        }

        var transcript: String {
            get throws {
                guard let path = WarRoomTestSupport.transcripts(in: transcripts).first else { throw ChildProcess.Failure(description: "no transcript yet") }
                return path
            }
        }

        func entries() throws -> [TranscriptEntry] { try TranscriptLog.read(path: try transcript).entries }
    }


    @Test func escalateReachesPagerDutyOnceAfterThreeFailuresWithFourAttemptsOnRecord() throws {
        let setup = try Setup()
        defer { setup.folder.cleanUp() }
        setup.receiver.script("/pagerduty", [.status(500, "boom"), .status(500, "boom"), .status(500, "boom")])
        let shell = try WarRoomBinary.start(["start", "--free-form", "--title", "Messaging errors", "--severity", "SEV-1",
                                             "--transcripts", setup.transcripts, "--notify", setup.notifyFile], environment: setup.environment)
        try shell.send(Array("escalate sre error rate at 12% and climbing\n".utf8))
        #expect(setup.receiver.wait(for: 4, to: "/pagerduty", seconds: 20))
        // The prompt never waited: the next command is answered while the attempts go on.
        try shell.send(Array("status\n".utf8))
        #expect(shell.stdout.wait(seconds: 10) { $0.contains("Delivered to PagerDuty (sre) (attempt 4, HTTP 202") } || true)
        usleep(300_000)
        try shell.send(Array("note checking\nquit\n".utf8))
        shell.closeInput()
        #expect(shell.wait(seconds: 30).status == 0, "\(shell.stderr.text)")

        let pages = setup.receiver.requests(to: "/pagerduty")
        #expect(pages.count == 4, "one page, four attempts")
        for page in pages {
            #expect(page.problems.isEmpty, "\(page.problems)")
            #expect(page.body?["event_action"] == "trigger")
            #expect(page.body?["routing_key"] == .string(Self.routingKey))
            #expect(page.body?["payload"]?["severity"] == "critical")
        }
        let keys = Set(pages.compactMap { $0.body?["dedup_key"]?.stringValue })
        #expect(keys.count == 1, "the same dedup key every time: \(keys)")
        let entries = try setup.entries()
        let intents = entries.filter { $0.kind == .notify }
        try #require(intents.count == 1, "\(entries.map(\.text))")
        #expect(intents[0].data["dedup_key"]?.stringValue == keys.first)
        let escalation = try #require(entries.first { $0.kind == .escalation })
        #expect(intents[0].seq > escalation.seq && intents[0].data["cause"] == .int(escalation.seq))
        let attempts = entries.filter { $0.kind == .delivery }
        #expect(attempts.map { $0.data["outcome"]?.stringValue } == ["retrying", "retrying", "retrying", "delivered"], "\(attempts.map(\.text))")
        #expect(attempts.map { $0.data["status"]?.intValue } == [500, 500, 500, 202])
        // The routing key is nowhere on the record.
        #expect(!(try String(contentsOfFile: try setup.transcript, encoding: .utf8)).contains(Self.routingKey))
    }

    @Test func aShellKilledBetweenIntentAndDeliveryDeliversOnResumeUnderTheSameDedupKey() throws {
        let setup = try Setup()
        defer { setup.folder.cleanUp() }
        // The first attempt hangs past its timeout: the shell is killed while it is under way.
        setup.receiver.script("/pagerduty", [.hang(seconds: 3)])
        let shell = try WarRoomBinary.start(["start", "--free-form", "--title", "Queue backlog", "--transcripts", setup.transcripts,
                                             "--notify", setup.notifyFile], environment: setup.environment)
        try shell.send(Array("escalate sre backlog growing\n".utf8))
        #expect(waitFor(seconds: 15) { (try? setup.entries().contains { $0.kind == .notify }) == true })
        #expect(setup.receiver.wait(for: 1, to: "/pagerduty", seconds: 10))
        kill(shell.pid, SIGKILL)
        _ = shell.wait(seconds: 10)
        #expect(try setup.entries().filter { $0.kind == .delivery }.isEmpty, "killed before any attempt ended")

        let resumed = try WarRoomBinary.start(["resume", try setup.transcript, "--notify", setup.notifyFile], environment: setup.environment)
        #expect(resumed.stderr.wait(seconds: 10) { $0.contains("sending again: #") }, "\(resumed.stderr.text)")
        #expect(setup.receiver.wait(for: 2, to: "/pagerduty", seconds: 15))
        usleep(1_500_000)
        try resumed.send(Array("status\nquit\n".utf8))
        resumed.closeInput()
        #expect(resumed.wait(seconds: 30).status == 0, "\(resumed.stderr.text)")
        let keys = setup.receiver.requests(to: "/pagerduty").compactMap { $0.body?["dedup_key"]?.stringValue }
        #expect(keys.count >= 2 && Set(keys).count == 1, "the resumed shell sends the same page: \(keys)")
        let all = try setup.entries()
        let delivered = all.filter { $0.kind == .delivery && $0.data["outcome"] == "delivered" }
        #expect(delivered.count == 1, "\(all.map(\.text))")
    }

    @Test func tooManyRequestsWaitsItsRetryAfterAndCloseResolvesThePageAndPostsToSlack() throws {
        let setup = try Setup()
        defer { setup.folder.cleanUp() }
        setup.receiver.script("/pagerduty", [.tooMany(retryAfter: 1)])
        let shell = try WarRoomBinary.start(["start", "--free-form", "--title", "Login <failures> & timeouts", "--transcripts", setup.transcripts,
                                             "--notify", setup.notifyFile], environment: setup.environment)
        try shell.send(Array("escalate sre logins failing\n".utf8))
        #expect(setup.receiver.wait(for: 2, to: "/pagerduty", seconds: 15))
        try shell.send(Array("update rolled back the auth deploy\n".utf8))
        #expect(setup.receiver.wait(for: 1, to: "/slack/services/\(Self.slackSecret)", seconds: 10))
        try shell.send(Array("close auth deploy rolled back\n".utf8))
        shell.closeInput()
        let ended = shell.wait(seconds: 60)
        #expect(ended.status == 0, "\(shell.stderr.text)")

        let pages = setup.receiver.requests(to: "/pagerduty")
        try #require(pages.count == 3, "trigger (429), trigger again, resolve: \(pages.map { $0.body?["event_action"] ?? .null })")
        let waited = pages[1].receivedAt.timeIntervalSince(pages[0].receivedAt)
        #expect(waited >= 0.95, "Retry-After: 1 was honoured (waited \(waited) s)")
        #expect(pages[2].body?["event_action"] == "resolve")
        #expect(pages[2].body?["dedup_key"] == pages[0].body?["dedup_key"], "PagerDuty drops a resolve whose dedup key differs")
        #expect(pages[2].body?["routing_key"] == pages[0].body?["routing_key"])
        #expect(pages.allSatisfy { $0.problems.isEmpty })
        let slack = setup.receiver.requests(to: "/slack/services/\(Self.slackSecret)")
        #expect(slack.count == 2, "the update and the close")
        #expect(slack.allSatisfy { $0.problems.isEmpty })
        #expect(slack.first?.body?["text"]?.stringValue?.contains("Login &lt;failures&gt; &amp; timeouts") == true, "\(slack.first?.body ?? .null)")
        // The close waited for its own notifications: what came of them is on the record, and in the postmortem.
        let entries = try setup.entries()
        let close = try #require(entries.firstIndex { $0.kind == .close })
        #expect(entries[close...].contains { $0.kind == .delivery && $0.data["outcome"] == "delivered" })
        let postmortem = try String(contentsOfFile: setup.folder.file("Transcripts/\(try #require(entries.first?.data["incident"]?.stringValue)).postmortem.md"),
                                    encoding: .utf8)
        #expect(postmortem.contains("### Notifications"), "\(postmortem.suffix(600))")
        #expect(postmortem.contains("All 4 were delivered."))
    }

    @Test func aRefusedPageIsSaidOnceInRedAndListedAsUndelivered() throws {
        let setup = try Setup()
        defer { setup.folder.cleanUp() }
        setup.receiver.script("/pagerduty", [.status(400, #"{"status":"invalid event","message":"Event object is invalid"}"#)])
        let result = try WarRoomBinary.run(["start", "--free-form", "--title", "Disk full", "--transcripts", setup.transcripts, "--notify", setup.notifyFile],
                                           input: "escalate sre disk full on db-2\nstatus\nnote still here\n", environment: setup.environment)
        let second = try WarRoomBinary.run(["resume", try setup.transcript, "--notify", setup.notifyFile], input: "status\n", environment: setup.environment)
        let entries = try setup.entries()
        let attempts = entries.filter { $0.kind == .delivery }
        #expect(attempts.count == 1, "a 400 is final: \(attempts.map(\.text))")
        #expect(attempts.first?.data["outcome"] == "failed")
        #expect((result.stdout + second.stdout).components(separatedBy: "NOT DELIVERED to PagerDuty (sre)").count == 2, "said once: \(result.stdout)")
        let postmortem = try WarRoomBinary.run(["postmortem", try setup.transcript])
        #expect(postmortem.stdout.contains("1 of 1 not delivered"), "\(postmortem.stdout.suffix(800))")
        #expect(postmortem.stdout.contains("NOT DELIVERED after 1 attempt"))
    }

    @Test func noSecretIsFoundAnywhereItMustNotBe() throws {
        let setup = try Setup(slackEvents: "[all]")
        defer { setup.folder.cleanUp() }
        setup.receiver.script("/pagerduty", [.status(500, "boom")])
        let shell = try WarRoomBinary.start(["start", "--free-form", "--title", "Secrets", "--transcripts", setup.transcripts, "--notify", setup.notifyFile,
                                             "--allow-shell"], environment: setup.environment)
        // A `!` command cannot print the secrets onto the record: they left the environment once read.
        try shell.send(Array("!env\n".utf8))
        try shell.send(Array("!tr '\\0' '\\n' < /proc/$PPID/environ\n".utf8))
        try shell.send(Array("escalate sre look\n".utf8))
        let commandLine = (try? String(contentsOfFile: "/proc/\(shell.pid)/cmdline", encoding: .utf8)) ?? ""
        try shell.send(Array("update status page posted\nseverity SEV-2 wider than we thought\nmark mitigated\n".utf8))
        #expect(setup.receiver.wait(for: 2, to: "/pagerduty", seconds: 10))
        usleep(500_000)
        try shell.send(Array("status\nclose done\n".utf8))
        shell.closeInput()
        #expect(shell.wait(seconds: 60).status == 0, "\(shell.stderr.text)")
        // A bad notify file's error names where the secret comes from, never its value.
        try "slack:\n  - webhook_url: \(setup.receiver.url("/slack/services/\(Self.slackSecret)"))\n".write(toFile: setup.folder.file("bad.yaml"), atomically: true, encoding: .utf8)
        let refused = try WarRoomBinary.run(["start", "--free-form", "--transcripts", setup.transcripts, "--notify", setup.folder.file("bad.yaml")],
                                            input: "", environment: setup.environment)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("a Slack webhook URL is a secret"))

        var places = ["the command line": commandLine, "stdout": shell.stdout.text, "stderr": shell.stderr.text,
                      "refused stderr": refused.stderr, "history": (try? String(contentsOfFile: setup.history, encoding: .utf8)) ?? ""]
        for file in (try FileManager.default.contentsOfDirectory(atPath: setup.transcripts)) {
            places[file] = (try? String(contentsOfFile: "\(setup.transcripts)/\(file)", encoding: .utf8)) ?? ""
        }
        #expect(places.count >= 6, "\(places.keys)")
        for (place, text) in places {
            #expect(!text.contains(Self.routingKey), "the routing key is in \(place)")
            #expect(!text.contains("SECRET"), "the Slack webhook's secret is in \(place)")
        }
        #expect(setup.receiver.requests(to: "/slack/services/\(Self.slackSecret)").count >= 3)
    }

    @Test func inARoomThePageGoesOnceAndNeitherTheStoreNorTheExportHoldsASecret() throws {
        let setup = try Setup(slackEvents: "[all]")
        defer { setup.folder.cleanUp() }
        let database = try PostgresServer.shared().createDatabase()
        #expect(try WarRoomBinary.run(["store", "init", database.url]).status == 0)
        let opened = try WarRoomBinary.run(["start", "--free-form", "--title", "Room page", "--store", database.url, "--transcripts", setup.transcripts,
                                            "--notify", setup.notifyFile], input: "escalate sre payments failing\nupdate investigating\n", environment: setup.environment)
        #expect(opened.status == 0, "\(opened.stderr)")
        let incident = try #require(try PostgresCatalog.list(url: ConnectionString(database.url)).first?.id)
        // A second responder joins and closes: the close resolves the page the first one triggered.
        let closed = try WarRoomBinary.run(["join", incident, "--store", database.url, "--transcripts", setup.transcripts, "--notify", setup.notifyFile],
                                           input: "close payments back\n", environment: setup.environment)
        #expect(closed.status == 0, "\(closed.stderr)")
        let pages = setup.receiver.requests(to: "/pagerduty")
        #expect(pages.map { $0.body?["event_action"]?.stringValue ?? "" } == ["trigger", "resolve"], "\(pages.map { $0.body ?? .null })")
        #expect(Set(pages.compactMap { $0.body?["dedup_key"]?.stringValue }).count == 1)
        let store = try PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: incident, readOnly: true)
        defer { store.close() }
        let rows = String(decoding: try store.transcriptBytes(), as: UTF8.self)
        let export = try WarRoomBinary.run(["export", incident, "--store", database.url])
        #expect(rows.contains("\"kind\":\"notify\"") && rows.contains("\"kind\":\"delivery\""))
        for (place, text) in ["the store": rows, "the export": export.stdout, "stderr": opened.stderr + closed.stderr, "stdout": opened.stdout + closed.stdout] {
            #expect(!text.contains(Self.routingKey), "the routing key is in \(place)")
            #expect(!text.contains("SECRET"), "the Slack webhook's secret is in \(place)")
        }
    }

    @Test func aDrillPagesNobodyUnlessItsCommandLineNamesTheNotifyFile() throws {
        let setup = try Setup()
        defer { setup.folder.cleanUp() }
        var environment = setup.environment
        environment["WARROOM_NOTIFY"] = setup.notifyFile
        let drill = try WarRoomBinary.run(["start", "--speed", "0", "--transcripts", setup.transcripts], input: "escalate sre drill page\n", environment: environment)
        #expect(drill.status == 0, "\(drill.stderr)")
        #expect(drill.stderr.contains("a drill sends no notifications unless --notify names the file"), "\(drill.stderr)")
        #expect(setup.receiver.requests.isEmpty, "the drill paged the real on-call")
        let asked = try WarRoomBinary.run(["start", "--speed", "0", "--transcripts", setup.transcripts, "--notify", setup.notifyFile],
                                          input: "escalate sre a game day's page\n", environment: environment)
        #expect(asked.status == 0, "\(asked.stderr)")
        #expect(setup.receiver.requests(to: "/pagerduty").count == 1, "named on the command line, a drill's page goes")
    }

    @Test func aPageLeftBehindInARoomIsTakenOverByOneShellOnly() throws {
        let setup = try Setup()
        defer { setup.folder.cleanUp() }
        let database = try PostgresServer.shared().createDatabase()
        #expect(try WarRoomBinary.run(["store", "init", database.url]).status == 0)
        setup.receiver.script("/pagerduty", [.status(503, "busy")])
        // alice pages and leaves before any retry: the page is on the record, not delivered.
        let alice = try WarRoomBinary.run(["start", "--free-form", "--title", "Take over", "--store", database.url, "--transcripts", setup.transcripts,
                                           "--notify", setup.notifyFile, "--as", "alice"], input: "escalate sre queue stuck\n", environment: setup.environment)
        #expect(alice.status == 0, "\(alice.stderr)")
        let incident = try #require(try PostgresCatalog.list(url: ConnectionString(database.url)).first?.id)
        #expect(setup.receiver.requests(to: "/pagerduty").count == 1)
        // bob joins and takes it over; carol joins while bob is here and leaves it to him.
        let bob = try WarRoomBinary.start(["join", incident, "--store", database.url, "--transcripts", setup.transcripts, "--notify", setup.notifyFile,
                                           "--as", "bob"], environment: setup.environment)
        #expect(setup.receiver.wait(for: 2, to: "/pagerduty", seconds: 20))
        let carol = try WarRoomBinary.run(["join", incident, "--store", database.url, "--transcripts", setup.transcripts, "--notify", setup.notifyFile,
                                           "--as", "carol"], input: "status\n", environment: setup.environment)
        #expect(carol.status == 0, "\(carol.stderr)")
        try bob.send(Array("status\nquit\n".utf8))
        bob.closeInput()
        #expect(bob.wait(seconds: 60).status == 0, "\(bob.stderr.text)")
        let pages = setup.receiver.requests(to: "/pagerduty")
        #expect(pages.count == 2, "alice's attempt and bob's, not carol's: \(pages.count)")
        #expect(Set(pages.compactMap { $0.body?["dedup_key"]?.stringValue }).count == 1)
        let store = try PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: incident, readOnly: true)
        defer { store.close() }
        let entries = try store.entries(after: 0)
        let claims = entries.filter { $0.kind == .delivery && $0.data["outcome"] == "claimed" }
        #expect(claims.count == 1, "one shell took it over: \(claims.map(\.text))")
        #expect(entries.contains { $0.kind == .delivery && $0.data["outcome"] == "delivered" })
        #expect(IncidentState(entries: entries).notifications.values.first?.outcome == .delivered)
    }
}
