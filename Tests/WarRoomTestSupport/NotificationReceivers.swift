import Foundation
import WarRoomHTTP
import WarRoomKit

/// Local stand-ins for PagerDuty's Events API v2 and Slack's incoming webhooks (neither can be
/// reached from here). Each request is checked against the vendor's documented format and kept;
/// the answers are scripted: 202/200, 400, 429 with `Retry-After`, 500, or a hang.
///
/// - PagerDuty (developer.pagerduty.com, Events API v2 `POST /v2/enqueue`): a JSON object with
///   `routing_key` (32 characters), `event_action` (trigger, acknowledge, resolve) and, for
///   acknowledge and resolve, the `dedup_key` of the trigger (at most 255 characters); a
///   trigger's `payload` has `summary` (1–1024 characters), `source`, and `severity` (critical,
///   error, warning, info), and may have `timestamp` (ISO 8601), `component`, `group`, `class`,
///   `custom_details`. Success is 202 `{"status":"success","message":"Event processed","dedup_key":…}`.
/// - Slack (api.slack.com, incoming webhooks): a JSON object with `text` and/or `blocks`; a
///   section block's text at most 3000 characters. Success is 200 with the plain text `ok`.
public final class NotificationReceiver: @unchecked Sendable {
    public enum Answer: Sendable {
        case accept
        case status(Int, String)
        case tooMany(retryAfter: Int)
        case hang(seconds: Double)
    }

    public struct Request: Sendable {
        public var path: String
        public var body: JSONValue?
        public var receivedAt: Date
        /// What did not follow the documented format (empty: valid).
        public var problems: [String]
    }

    private let lock = NSLock()
    private var script: [String: [Answer]] = [:]
    private var received: [Request] = []
    private var server: HTTPServer!
    public var port: Int { server.port }

    public init() throws {
        server = try HTTPServer(host: "127.0.0.1", port: 0, maximumBody: 1 << 20) { [unowned self] request in
            self.answer(request)
        }
    }

    deinit { server.stop() }

    public func stop() { server.stop() }

    /// `http://127.0.0.1:PORT/pagerduty` or `…/slack/…`.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The answers for requests to `path`, in order; once used up, requests are accepted.
    public func script(_ path: String, _ answers: [Answer]) {
        lock.withLock { script[path] = answers }
    }

    public var requests: [Request] { lock.withLock { received } }

    public func requests(to path: String) -> [Request] { requests.filter { $0.path == path } }

    /// Waits until `count` requests reached `path`.
    public func wait(for count: Int, to path: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if requests(to: path).count >= count { return true }
            usleep(20_000)
        }
        return requests(to: path).count >= count
    }

    private func answer(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        let body = try? JSONValue.parse(request.body)
        var problems: [String] = []
        if request.header("Content-Type")?.hasPrefix("application/json") != true { problems.append("Content-Type is not application/json") }
        if path.hasPrefix("/pagerduty") { problems += Self.pagerDutyProblems(body) } else if path.hasPrefix("/slack") { problems += Self.slackProblems(body) }
        let next: Answer? = lock.withLock {
            received.append(Request(path: path, body: body, receivedAt: Date(), problems: problems))
            guard var answers = script[path], !answers.isEmpty else { return nil }
            let first = answers.removeFirst()
            script[path] = answers
            return first
        }
        if !problems.isEmpty {
            return path.hasPrefix("/slack") ? HTTPResponse(status: 400, body: "invalid_payload")
                : HTTPResponse(status: 400, body: #"{"status":"invalid event","message":"Event object is invalid","errors":["\#(problems.joined(separator: "; "))"]}"#,
                               contentType: "application/json")
        }
        switch next ?? .accept {
        case .accept:
            if path.hasPrefix("/slack") { return HTTPResponse(status: 200, body: "ok") }
            let key = body?["dedup_key"]?.stringValue ?? "generated"
            return HTTPResponse(status: 202, body: #"{"status":"success","message":"Event processed","dedup_key":"\#(key)"}"#, contentType: "application/json")
        case .status(let code, let text):
            return HTTPResponse(status: code, body: text)
        case .tooMany(let seconds):
            return HTTPResponse(status: 429, body: "rate limited", headers: [("Retry-After", "\(seconds)")])
        case .hang(let seconds):
            usleep(UInt32(seconds * 1_000_000))
            return HTTPResponse(status: 202, body: #"{"status":"success","message":"Event processed"}"#, contentType: "application/json")
        }
    }

    static func pagerDutyProblems(_ body: JSONValue?) -> [String] {
        guard let body, body.objectValue != nil else { return ["the body is not a JSON object"] }
        var problems: [String] = []
        guard let key = body["routing_key"]?.stringValue, key.count == 32 else { return ["routing_key is missing or not 32 characters"] }
        let action = body["event_action"]?.stringValue ?? ""
        guard ["trigger", "acknowledge", "resolve"].contains(action) else { return ["event_action '\(action)' is not trigger, acknowledge or resolve"] }
        if let dedup = body["dedup_key"] {
            guard let text = dedup.stringValue, !text.isEmpty, text.count <= 255 else { return ["dedup_key is not a string of 1–255 characters"] }
        } else if action != "trigger" {
            problems.append("\(action) needs the trigger's dedup_key")
        }
        if action == "trigger" {
            guard let payload = body["payload"], payload.objectValue != nil else { return problems + ["a trigger needs payload"] }
            let summary = payload["summary"]?.stringValue ?? ""
            if summary.isEmpty || summary.count > 1024 { problems.append("payload.summary must be 1–1024 characters") }
            if (payload["source"]?.stringValue ?? "").isEmpty { problems.append("payload.source is missing") }
            if !["critical", "error", "warning", "info"].contains(payload["severity"]?.stringValue ?? "") { problems.append("payload.severity is not critical, error, warning or info") }
            if let time = payload["timestamp"], time.stringValue.flatMap(Instant.parseISO8601) == nil { problems.append("payload.timestamp is not ISO 8601") }
            if let details = payload["custom_details"], details.objectValue == nil { problems.append("payload.custom_details is not an object") }
        }
        return problems
    }

    static func slackProblems(_ body: JSONValue?) -> [String] {
        guard let body, body.objectValue != nil else { return ["the body is not a JSON object"] }
        let text = body["text"]?.stringValue
        let blocks = body["blocks"]?.arrayValue
        if text == nil, blocks == nil { return ["neither text nor blocks"] }
        var problems: [String] = []
        for block in blocks ?? [] {
            guard let type = block["type"]?.stringValue, ["section", "context", "divider", "header"].contains(type) else {
                problems.append("a block of unknown type")
                continue
            }
            if type == "section", (block["text"]?["text"]?.stringValue?.count ?? 0) > 3000 { problems.append("a section's text is over 3000 characters") }
        }
        return problems
    }
}
