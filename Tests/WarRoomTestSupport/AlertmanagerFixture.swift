import Foundation
import WarRoomHTTP
import WarRoomKit

#if canImport(Glibc)
import Glibc
#endif

/// A real Alertmanager (Debian's 0.25) on loopback for one test, its one receiver a webhook
/// to `warroom intake` at `webhookPort` with a bearer token, grouping by `alertname` with short
/// waits so that a test sees a notification within a second or two, and repeats soon after.
///
/// Use `AlertmanagerFixture.run(webhookPort:token:) { alertmanager in … }`.
public final class AlertmanagerFixture {
    public let folder: TemporaryFolder
    public let port: Int
    public let process: ChildProcess
    public var url: String { "http://127.0.0.1:\(port)" }
    private var stopped = false

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func run<T>(webhookPort: Int, tokenFile: String, repeatInterval: String = "3s", _ body: (AlertmanagerFixture) throws -> T) throws -> T {
        let fixture = try AlertmanagerFixture(webhookPort: webhookPort, tokenFile: tokenFile, repeatInterval: repeatInterval)
        defer { fixture.stop() }
        return try body(fixture)
    }

    public init(webhookPort: Int, tokenFile: String, repeatInterval: String) throws {
        let candidates = ["/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager", "/usr/local/bin/alertmanager"]
        guard let path = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw Failure(description: "Alertmanager is not installed: these tests need a real one; install it with `apt-get install prometheus-alertmanager` (scripts/setup test does)")
        }
        folder = try TemporaryFolder()
        port = try HAProxyFixture.freePorts(1)[0]
        let config = """
            route:
              receiver: warroom
              group_by: [alertname]
              group_wait: 200ms
              group_interval: 1s
              repeat_interval: \(repeatInterval)
            receivers:
              - name: warroom
                webhook_configs:
                  - url: http://127.0.0.1:\(webhookPort)/alerts
                    send_resolved: true
                    http_config:
                      authorization:
                        type: Bearer
                        credentials_file: \(tokenFile)

            """
        try config.write(toFile: folder.file("alertmanager.yml"), atomically: true, encoding: .utf8)
        process = try ChildProcess(path, ["--config.file=\(folder.file("alertmanager.yml"))", "--storage.path=\(folder.file("data"))",
                                          "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn"],
                                   environment: ProcessInfo.processInfo.environment)
        process.closeInput()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let answer = try? HTTPExchange.send("GET", URL(string: "\(url)/-/ready")!, timeout: 2), answer.status == 200 { return }
            usleep(100_000)
        }
        stop()
        throw Failure(description: "Alertmanager did not become ready within 30 s: \(process.stderr.text.suffix(400))")
    }

    deinit { stop() }

    /// Posts alerts to Alertmanager's API v2, as Prometheus does: firing from `startsAt`, or
    /// resolved when `endsAt` is in the past.
    public func post(name: String, labels: [String: String] = [:], summary: String, startsAt: Instant, endsAt: Instant? = nil) throws {
        var alertLabels: JSONObject = ["alertname": .string(name)]
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) { alertLabels[key] = .string(value) }
        var alert: JSONObject = ["labels": .object(alertLabels), "annotations": ["summary": .string(summary)],
                                 "startsAt": .string(startsAt.iso8601), "generatorURL": "http://prometheus.test/graph"]
        if let endsAt { alert["endsAt"] = .string(endsAt.iso8601) }
        let body = Array(JSONValue.array([.object(alert)]).serialized().utf8)
        let answer = try HTTPExchange.send("POST", URL(string: "\(url)/api/v2/alerts")!, headers: ["Content-Type": "application/json"], body: body, timeout: 5)
        guard answer.status == 200 else {
            throw Failure(description: "Alertmanager refused the alert: HTTP \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        }
    }

    public func stop() {
        guard !stopped else { return }
        stopped = true
        kill(process.pid, SIGTERM)
        if process.wait(seconds: 10).timedOut { kill(process.pid, SIGKILL); _ = process.wait(seconds: 5) }
        folder.cleanUp()
    }
}
