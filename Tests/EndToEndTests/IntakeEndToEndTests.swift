import Foundation
import Testing
import WarRoomHTTP
import WarRoomKit
import WarRoomPostgres
import WarRoomTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `warroom intake` answering HTTP as the docs say, into files and into a PostgreSQL store;
/// `start --alert`, `warroom alerts` and `start --alertmanager --fingerprint`.
@Suite(.serialized) struct IntakeEndToEndTests {
    /// A webhook notification as Alertmanager 0.25 writes it.
    static func payload(group: String = "MessagingErrorRate", status: String = "firing", startsAt: String = "2026-12-05T03:45:00.123456789+00:00",
                        endsAt: String = "0001-01-01T00:00:00Z", fingerprint: String = "a1b2c3d4e5f60718") -> String {
        #"{"receiver":"web\\.hook","status":"\#(status)","alerts":[{"status":"\#(status)","labels":{"alertname":"\#(group)","severity":"critical","service":"messaging"},"annotations":{"summary":"Messaging 5xx above 5%"},"startsAt":"\#(startsAt)","endsAt":"\#(endsAt)","generatorURL":"http://prometheus/graph","fingerprint":"\#(fingerprint)"}],"groupLabels":{"alertname":"\#(group)"},"commonLabels":{"alertname":"\#(group)","severity":"critical"},"commonAnnotations":{"summary":"Messaging 5xx above 5%"},"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{alertname=\"\#(group)\"}","truncatedAlerts":0,"mutedBy":[]}"#
    }

    final class Intake {
        let process: ChildProcess
        let port: Int
        init(_ arguments: [String]) throws {
            process = try WarRoomBinary.start(["intake", "--listen", "127.0.0.1:0"] + arguments)
            process.closeInput()
            guard process.stderr.wait(seconds: 20, until: { $0.contains("listening on") }) else {
                kill(process.pid, SIGKILL)
                throw ChildProcess.Failure(description: "intake did not start: \(process.stderr.text)")
            }
            let text = process.stderr.text
            let range = try #require(text.range(of: "127.0.0.1:"))
            port = Int(text[range.upperBound...].prefix { $0.isNumber })!
        }

        func post(_ body: String, path: String = "/alerts", token: String? = nil, method: String = "POST") throws -> (Int, String) {
            var headers = ["Content-Type": "application/json"]
            if let token { headers["Authorization"] = "Bearer \(token)" }
            let answer = try HTTPExchange.send(method, URL(string: "http://127.0.0.1:\(port)\(path)")!, headers: headers,
                                               body: method == "POST" ? Array(body.utf8) : nil, timeout: 10)
            return (answer.status, String(decoding: answer.body, as: UTF8.self))
        }

        func stop() -> Int32 {
            kill(process.pid, SIGTERM)
            return process.wait(seconds: 15).status
        }
    }

    @Test func intakeAnswersAsDocumentedAndLogsOneLinePerRequest() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try "tok-123\n".write(toFile: folder.file("token"), atomically: true, encoding: .utf8)
        chmod(folder.file("token"), 0o600)
        let intake = try Intake(["--transcripts", folder.file("T"), "--token-file", folder.file("token")])
        #expect(try intake.post(Self.payload()).0 == 401, "no token")
        #expect(try intake.post(Self.payload(), token: "wrong").0 == 401)
        let bad = try intake.post(#"{"version":"4","groupKey":"g","alerts":[{"labels":{"alertname":"X"},"startsAt":"yesterday"}]}"#, token: "tok-123")
        #expect(bad.0 == 400)
        #expect(bad.1 == "alerts[0].startsAt 'yesterday' is not an RFC 3339 time\n")
        #expect(try intake.post("\u{1}\u{2}binary", token: "tok-123").0 == 400)
        #expect(try intake.post(Self.payload(), path: "/elsewhere", token: "tok-123").0 == 404)
        #expect(try intake.post("", token: "tok-123", method: "GET").0 == 405)
        #expect(try intake.post(String(repeating: "x", count: 33 << 20), token: "tok-123").0 == 413)
        let opened = try intake.post(Self.payload(), token: "tok-123")
        #expect(opened.0 == 200)
        #expect(opened.1.hasPrefix("opened "), "\(opened.1)")
        let again = try intake.post(Self.payload(), token: "tok-123")
        #expect(again.0 == 200 && again.1.hasPrefix("repeated "), "\(again.1)")

        // A responder holds the incident: nothing can be recorded, and Alertmanager is told to retry.
        let path = try #require(WarRoomTestSupport.transcripts(in: folder.file("T")).first)
        let shell = try WarRoomBinary.start(["resume", path])
        #expect(shell.stdout.wait(seconds: 10) { $0.contains("Resumed") } || shell.stderr.wait(seconds: 1) { !$0.isEmpty } || true)
        usleep(500_000)
        let resolved = Self.payload(status: "resolved", endsAt: "2026-12-05T04:10:00Z")
        let held = try intake.post(resolved, token: "tok-123")
        #expect(held.0 == 503, "\(held.1)")
        #expect(held.1.contains("Alertmanager will send it again"))
        try shell.send(Array("quit\n".utf8))
        shell.closeInput()
        _ = shell.wait(seconds: 20)
        let retried = try intake.post(resolved, token: "tok-123")
        #expect(retried.0 == 200 && retried.1.hasPrefix("recorded "), "\(retried.1)")

        #expect(intake.stop() == 0, "SIGTERM stops it cleanly: \(intake.process.stderr.text)")
        let lines = intake.process.stderr.text.split(separator: "\n").filter { $0.contains(" POST ") || $0.contains(" GET ") }
        #expect(lines.count == 11, "one line per request: \(lines)")
        #expect(intake.process.stderr.text.contains("warroom intake: stopped"))
        #expect(!intake.process.stderr.text.contains("tok-123"), "the token is never logged")
        let entries = try TranscriptLog.read(path: path).entries
        #expect(entries.filter { $0.kind == .alert }.map { $0.data["state"]?.stringValue } == ["firing", "resolved"])
    }

    @Test func intakeRefusesToStartWithoutAUsableTokenAndSaysWhy() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let none = try WarRoomBinary.run(["intake", "--listen", "127.0.0.1:0", "--transcripts", folder.path])
        #expect(none.status == 64)
        #expect(none.stderr.contains("--token-file FILE"))
        try "tok\n".write(toFile: folder.file("open-token"), atomically: true, encoding: .utf8)
        chmod(folder.file("open-token"), 0o644)
        let readable = try WarRoomBinary.run(["intake", "--listen", "127.0.0.1:0", "--transcripts", folder.path, "--token-file", folder.file("open-token")])
        #expect(readable.status == 64)
        #expect(readable.stderr.contains("chmod 600"))
        let wide = try WarRoomBinary.run(["intake", "--listen", "0.0.0.0:0", "--transcripts", folder.path, "--insecure-no-auth"])
        #expect(wide.status == 64)
        #expect(wide.stderr.contains("loopback only"))
        let badRoutes = try WarRoomBinary.run(["intake", "--listen", "127.0.0.1:0", "--transcripts", folder.path, "--insecure-no-auth", "--routes", folder.file("nope.yaml")])
        #expect(badRoutes.status == 65)
        #expect(badRoutes.stderr.contains("nope.yaml:1:1"))
        let badAddress = try WarRoomBinary.run(["intake", "--listen", "9095", "--insecure-no-auth"])
        #expect(badAddress.status == 64)
        #expect(badAddress.stderr.contains("HOST:PORT"))
    }

    @Test func intakeIntoAStoreOpensOneRoomThatRespondersJoin() throws {
        let database = try PostgresServer.shared().createDatabase()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        #expect(try WarRoomBinary.run(["store", "init", database.url]).status == 0)
        let intake = try Intake(["--store", database.url, "--transcripts", folder.path, "--insecure-no-auth"])
        let opened = try intake.post(Self.payload())
        #expect(opened.0 == 200 && opened.1.hasPrefix("opened "), "\(opened.1)")
        for _ in 0..<3 { #expect(try intake.post(Self.payload()).1.hasPrefix("repeated ")) }
        let id = String(opened.1.dropFirst("opened ".count).prefix { $0 != " " && $0 != "\n" })
        // A responder joins while intake records the resolution beside them.
        let shell = try WarRoomBinary.start(["join", id, "--store", database.url, "--transcripts", folder.path])
        let reader = try PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: id, readOnly: true)
        defer { reader.close() }
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, (try reader.entries(after: 0)).allSatisfy({ $0.kind != .join }) { usleep(50_000) }
        #expect(try reader.entries(after: 0).contains { $0.kind == .join }, "\(shell.stderr.text)")
        let resolved = try intake.post(Self.payload(status: "resolved", endsAt: "2026-12-05T04:10:00Z"))
        #expect(resolved.0 == 200 && resolved.1.hasPrefix("recorded "), "\(resolved.1)")
        try shell.send(Array("note the alert resolved\nquit\n".utf8))
        shell.closeInput()
        #expect(shell.wait(seconds: 30).status == 0, "\(shell.stderr.text)")
        #expect(intake.stop() == 0)
        let store = try PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: id, readOnly: true)
        defer { store.close() }
        let entries = try store.entries(after: 0)
        #expect(entries.first?.data["alert_group"]?["key"] == #"{}:{alertname="MessagingErrorRate"}"#)
        #expect(entries.filter { $0.kind == .alert }.map { $0.data["state"]?.stringValue } == ["firing", "resolved"])
        #expect(entries.filter { $0.kind == .join }.count == 1, "intake records, it does not join: \(entries.map(\.text))")
        #expect(try store.verify().problem == nil)
    }

    @Test func startFromASavedPayloadOrFromAlertmanagersFiringAlert() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try Self.payload().write(toFile: folder.file("alert.json"), atomically: true, encoding: .utf8)
        let fromFile = try WarRoomBinary.run(["start", "--alert", folder.file("alert.json"), "--transcripts", folder.path], input: "status\n")
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stdout.contains("SEV-1 · open"), "\(fromFile.stdout)")
        #expect(fromFile.stdout.contains("detected 03:45Z"))
        let fromStdin = try WarRoomBinary.run(["start", "--alert", "-", "--free-form", "--transcripts", folder.path], input: Self.payload(group: "QueueBacklog"))
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        let opened = try WarRoomTestSupport.transcripts(in: folder.path).map { try TranscriptLog.read(path: $0).entries }
        #expect(opened.count == 2)
        #expect(opened.allSatisfy { $0.contains { $0.kind == .alert } && $0.contains { $0.kind == .milestone && $0.data["milestone"] == "detected" } })
        let broken = try WarRoomBinary.run(["start", "--alert", "-", "--transcripts", folder.path], input: #"{"version":"4"}"#)
        #expect(broken.status == 64)
        #expect(broken.stderr.contains("--alert (stdin): 'alerts' is missing"), "\(broken.stderr)")
        #expect(WarRoomTestSupport.transcripts(in: folder.path).count == 2, "nothing opened for a bad payload")

        // From the real Alertmanager: list what fires, open one by its fingerprint.
        try "t\n".write(toFile: folder.file("token"), atomically: true, encoding: .utf8)
        try AlertmanagerFixture.run(webhookPort: try HAProxyFixture.freePorts(1)[0], tokenFile: folder.file("token")) { alertmanager in
            let started = Instant(milliseconds: Int64(Date().timeIntervalSince1970 * 1000) / 1000 * 1000 - 60_000)
            try alertmanager.post(name: "DiskFull", labels: ["severity": "warning", "instance": "db-2"], summary: "db-2 disk 97% full", startsAt: started)
            var listed = try WarRoomBinary.run(["alerts", "--alertmanager", alertmanager.url])
            for _ in 0..<50 where !listed.stdout.contains("DiskFull") {
                usleep(100_000)
                listed = try WarRoomBinary.run(["alerts", "--alertmanager", alertmanager.url])
            }
            #expect(listed.stdout.contains("DiskFull"), "\(listed.stdout)\(listed.stderr)")
            let row = try #require(listed.stdout.split(separator: "\n").first { $0.contains("DiskFull") })
            let fingerprint = String(row.prefix { $0 != " " })
            let opened = try WarRoomBinary.run(["start", "--alertmanager", alertmanager.url, "--fingerprint", fingerprint, "--transcripts", folder.path],
                                               input: "status\n")
            #expect(opened.status == 0, "\(opened.stderr)")
            #expect(opened.stdout.contains("SEV-3 · open"))
            #expect(opened.stdout.contains("detected \(started.clockMinutes)"), "\(opened.stdout)")
            let unknown = try WarRoomBinary.run(["start", "--alertmanager", alertmanager.url, "--fingerprint", "ffffffffffffffff", "--transcripts", folder.path])
            #expect(unknown.status != 0)
            #expect(unknown.stderr.contains("no firing alert has the fingerprint"))
        }
        let unreachable = try WarRoomBinary.run(["alerts", "--alertmanager", "http://127.0.0.1:1"])
        #expect(unreachable.status == 74)
        #expect(unreachable.stderr.contains("connection refused"), "\(unreachable.stderr)")
    }
}
