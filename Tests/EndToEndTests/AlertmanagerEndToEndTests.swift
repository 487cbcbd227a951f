import Foundation
import Testing
import WarRoomHTTP
import WarRoomKit
import WarRoomTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `warroom intake` behind a real Alertmanager (Debian's 0.25): alerts posted to Alertmanager's
/// API v2 reach intake through its webhook receiver, with a bearer token.
@Suite(.serialized) struct AlertmanagerEndToEndTests {
    /// A playbook whose escalation reminder falls due 4 s after detection and whose first step's
    /// timebox is 5 s, so a test sees them on the wall clock.
    static let playbook = """
        playbook: alert-drill
        title: Messaging errors from an alert
        version: 1
        severity: SEV-3
        escalation:
          - after: 4s
            unless: mitigated
            page: sre-oncall
            note: Page SRE if not mitigated 4 seconds after detection
        phases:
          - name: detection
            steps:
              - id: acknowledge
                title: Acknowledge the alert
                timebox: 5s
        """

    static let routes = """
        severity:
          label: severity
          map: {critical: SEV-1, warning: SEV-3}
        routes:
          - match: {alertname: [MessagingErrorRate, MessagingLatency]}
            playbook: alert-drill
        """

    /// A folder with the playbook, the routes, and a token readable by its owner only.
    struct Setup {
        let folder: TemporaryFolder
        var transcripts: String { folder.file("Transcripts") }
        var tokenFile: String { folder.file("token") }
        var arguments: [String] {
            ["intake", "--transcripts", transcripts, "--routes", folder.file("routes.yaml"), "--playbooks", folder.file("Playbooks"), "--token-file", tokenFile]
        }

        init() throws {
            folder = try TemporaryFolder()
            try FileManager.default.createDirectory(atPath: folder.file("Playbooks"), withIntermediateDirectories: true)
            try AlertmanagerEndToEndTests.playbook.write(toFile: folder.file("Playbooks/alert-drill.yaml"), atomically: true, encoding: .utf8)
            try AlertmanagerEndToEndTests.routes.write(toFile: folder.file("routes.yaml"), atomically: true, encoding: .utf8)
            try "s3cret-intake-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            chmod(tokenFile, 0o600)
        }

        func entries() throws -> [[TranscriptEntry]] {
            try WarRoomTestSupport.transcripts(in: transcripts).map { try TranscriptLog.read(path: $0).entries }
        }
    }

    /// `warroom intake` on a fixed port, so that a restarted one is where Alertmanager sends.
    final class IntakeProcess {
        let process: ChildProcess
        init(_ arguments: [String], port: Int) throws {
            process = try WarRoomBinary.start(arguments + ["--listen", "127.0.0.1:\(port)"])
            process.closeInput()
            guard process.stderr.wait(seconds: 20, until: { $0.contains("listening on") }) else {
                kill(process.pid, SIGKILL)
                throw ChildProcess.Failure(description: "intake did not start: \(process.stderr.text)")
            }
        }
    }


    @Test func anAlertOpensOneIncidentDetectedAtItsStartAndRepeatsRecordNothing() throws {
        let setup = try Setup()
        defer { setup.folder.cleanUp() }
        let port = try HAProxyFixture.freePorts(1)[0]
        let intake = try IntakeProcess(setup.arguments, port: port)
        defer { kill(intake.process.pid, SIGTERM); _ = intake.process.wait(seconds: 10) }
        try AlertmanagerFixture.run(webhookPort: port, tokenFile: setup.tokenFile) { alertmanager in
            // Firing since T, a little before it is posted (Prometheus sends FiredAt).
            let now = Instant(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
            let started = Instant(milliseconds: (now.milliseconds - 2_000) / 1000 * 1000 + 123)
            try alertmanager.post(name: "MessagingErrorRate", labels: ["severity": "critical", "service": "messaging"],
                                  summary: "Messaging 5xx above 5% for 2 minutes", startsAt: started)
            #expect(try waitFor(seconds: 15) { (try setup.entries().first?.contains { $0.kind == .alert }) == true }, "\(intake.process.stderr.text)")
            // Alertmanager repeats the notification (repeat_interval 3s): nothing new is recorded.
            #expect(intake.process.stderr.wait(seconds: 15) { $0.components(separatedBy: "200").count > 2 && $0.contains("repeated") }, "\(intake.process.stderr.text)")
            var incidents = try setup.entries()
            try #require(incidents.count == 1, "one incident for the group: \(incidents.map { $0.first?.text ?? "" })")
            var entries = incidents[0]
            let open = try #require(entries.first)
            #expect(open.data["severity"] == "SEV-1")
            #expect(open.data["title"] == "Messaging 5xx above 5% for 2 minutes")
            #expect(open.data["playbook"]?["id"] == "alert-drill")
            #expect(open.data["alert_group"]?["key"]?.stringValue?.contains("MessagingErrorRate") == true)
            let state = IncidentState(entries: entries)
            #expect(state.milestones["detected"]?.time == started, "detected is the alert's start")
            #expect(entries.filter { $0.kind == .alert }.count == 1)

            // A responder resumes it and types nothing until after it falls due: the escalation
            // reminder, counted from the alert's start, is recorded at detection + 4 s (not
            // 4 s after someone typed `mark detected`).
            let path = try #require(WarRoomTestSupport.transcripts(in: setup.transcripts).first)
            let shell = try WarRoomBinary.start(["resume", path, "--playbooks", setup.folder.file("Playbooks")])
            // Nobody types until both have fallen due.
            while Int64(Date().timeIntervalSince1970 * 1000) < (started + 6_000).milliseconds { usleep(100_000) }
            try shell.send(Array("status\n".utf8))
            try shell.send(Array("quit\n".utf8))
            shell.closeInput()
            let ended = shell.wait(seconds: 30)
            #expect(ended.status == 0, "\(shell.stderr.text)")
            let after = try TranscriptLog.read(path: path).entries
            let reminder = try #require(after.first { $0.kind == .timer && $0.text.contains("sre-oncall") }, "\(after.map(\.text))")
            #expect(reminder.at == started + 4_000, "the reminder falls due 4 s after the alert started: \(reminder.at.iso8601)")
            #expect(reminder.data["due"] == .string((started + 4_000).iso8601))
            // The first step's timebox counts from the alert too, not from when intake opened the incident.
            let timebox = try #require(after.first { $0.kind == .timer && $0.data["timer"] == "timebox" }, "\(after.map(\.text))")
            #expect(timebox.data["due"] == .string((started + 5_000).iso8601), "\(timebox.text)")

            // The alert resolves: one `alert` entry says so, however often it is sent.
            let resolvedAt = Instant(milliseconds: Int64(Date().timeIntervalSince1970 * 1000) - 500)
            try alertmanager.post(name: "MessagingErrorRate", labels: ["severity": "critical", "service": "messaging"],
                                  summary: "Messaging 5xx above 5% for 2 minutes", startsAt: started, endsAt: resolvedAt)
            #expect(try waitFor(seconds: 15) { (try setup.entries().first?.contains { $0.kind == .alert && $0.data["state"] == "resolved" }) == true },
                    "\(intake.process.stderr.text)")
            usleep(2_500_000)
            incidents = try setup.entries()
            #expect(incidents.count == 1)
            entries = incidents[0]
            #expect(entries.filter { $0.kind == .alert && $0.data["state"] == "resolved" }.count == 1)
            #expect(entries.filter { $0.kind == .alert && $0.data["state"] == "firing" }.count == 1)
            #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: try #require(WarRoomTestSupport.transcripts(in: setup.transcripts).first))).isValid)

        }
    }

    @Test func intakeKilledWhileAlertmanagerSendsRecordsEachAlertExactlyOnce() throws {
        let setup = try Setup()
        defer { setup.folder.cleanUp() }
        let port = try HAProxyFixture.freePorts(1)[0]
        try AlertmanagerFixture.run(webhookPort: port, tokenFile: setup.tokenFile, repeatInterval: "1h") { alertmanager in
            var generator = SystemRandomNumberGenerator()
            for round in 1...20 {
                let intake = try IntakeProcess(setup.arguments, port: port)
                let started = Instant(milliseconds: Int64(Date().timeIntervalSince1970 * 1000) - 1000)
                try alertmanager.post(name: "Round\(round)", labels: ["severity": "warning"], summary: "round \(round)", startsAt: started)
                // Killed at a moment of its own around when the notification arrives (group_wait 200 ms).
                usleep(UInt32.random(in: 100_000...450_000, using: &generator))
                kill(intake.process.pid, SIGKILL)
                _ = intake.process.wait(seconds: 10)
                let restarted = try IntakeProcess(setup.arguments, port: port)
                let recorded = try waitFor(seconds: 20) {
                    try setup.entries().contains { $0.contains { $0.kind == .alert && $0.data["alert"] == .string("Round\(round)") } }
                }
                kill(restarted.process.pid, SIGTERM)
                #expect(restarted.process.wait(seconds: 10).status == 0)
                #expect(recorded, "round \(round): the alert reached the record after the restart: \(restarted.process.stderr.text)")
            }
        }
        let incidents = try setup.entries()
        #expect(incidents.count == 20, "one incident per group: \(incidents.count)")
        for entries in incidents {
            #expect(entries.filter { $0.kind == .alert }.count == 1, "\(entries.map(\.text))")
            #expect(entries.filter { $0.kind == .open }.count == 1)
        }
        for path in WarRoomTestSupport.transcripts(in: setup.transcripts) {
            #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path)).isValid, "\(path)")
        }
    }
}
