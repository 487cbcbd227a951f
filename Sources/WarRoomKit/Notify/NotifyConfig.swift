import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Yams

/// Where notifications go (docs/NOTIFY.md): PagerDuty Events API v2 services paged by
/// `escalate TEAM`, Slack incoming webhooks, and generic JSON webhooks, each for the events it
/// names. Read from a notify file; its secrets (routing keys, webhook URLs) come from the
/// environment or a file only its owner can read, are kept in memory, and are never recorded,
/// printed or put in an error message.
public struct NotifyConfig: Sendable {
    /// What a notification is about.
    public enum Event: String, Sendable, CaseIterable {
        /// `escalate TEAM …`.
        case escalation
        /// `update …`.
        case update
        /// A severity change.
        case severity
        /// A milestone marked (`detected`, `mitigated` …).
        case milestone
        /// The incident was closed.
        case close
    }

    /// A PagerDuty service: `escalate TEAM` triggers an incident on it, `close` resolves it.
    public struct PagerDuty: Sendable {
        public var team: String
        public var routingKey: Secret
        public var url: String
    }

    /// A Slack incoming webhook or a generic webhook, for the events it names.
    public struct Hook: Sendable {
        /// `slack[1]`, `webhook[2]`: how the record names it (never its URL).
        public var name: String
        public var url: Secret
        public var events: Set<Event>
    }

    /// A secret as the file names it (`env PD_SRE_KEY`, `file /etc/warroom/sre.key`), and its value.
    public struct Secret: Sendable, CustomStringConvertible {
        public var origin: String
        public let value: String
        /// Never the value.
        public var description: String { origin }
    }

    public var pagerDuty: [PagerDuty] = []
    public var slack: [Hook] = []
    public var webhooks: [Hook] = []
    /// Attempts per notification, with the first.
    public var attempts = 5
    /// The wait before the second attempt, doubling for each after it (at most `maximumBackoff`).
    public var backoffSeconds = 1.0
    public var maximumBackoffSeconds = 60.0
    /// How long one attempt waits for an answer.
    public var timeoutSeconds = 5.0
    /// The environment variables the secrets came from: taken out of warroom's environment once
    /// read, so that a `!` command cannot print them onto the record.
    public var secretVariables: [String] {
        (pagerDuty.map(\.routingKey) + slack.map(\.url) + webhooks.map(\.url)).compactMap { $0.origin.hasPrefix("$") ? String($0.origin.dropFirst()) : nil }
    }
    /// Where the file is, for messages.
    public var origin: String

    public static let pagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

    /// `PagerDuty sre, dba · Slack ×1 · webhook ×1`.
    public var summary: String {
        var parts: [String] = []
        if !pagerDuty.isEmpty { parts.append("PagerDuty " + pagerDuty.map(\.team).joined(separator: ", ")) }
        if !slack.isEmpty { parts.append("Slack ×\(slack.count)") }
        if !webhooks.isEmpty { parts.append("webhook ×\(webhooks.count)") }
        return parts.joined(separator: " · ")
    }

    public var isEmpty: Bool { pagerDuty.isEmpty && slack.isEmpty && webhooks.isEmpty }

    /// Reads a notify file and its secrets.
    /// - Parameter environment: where `*_env` secrets are read.
    /// - Throws: `InputFileError`, every problem with file:line:column (a secret that cannot be
    ///   read is said by where it was to come from, never by its value).
    public static func load(path: String, environment: [String: String]) throws -> NotifyConfig {
        let bytes = try YAMLSource.read(path, missing: "give a notify file's path (docs/NOTIFY.md)", folder: "give a notify file (*.yaml)").get()
        return try parse(bytes: bytes, file: path, environment: environment).get()
    }

    public static func parse(bytes: [UInt8], file: String, environment: [String: String]) -> Result<NotifyConfig, InputFileError> {
        var source = YAMLSource(bytes: bytes, file: file, kind: "notify file")
        guard let root = source.root else { return .failure(InputFileError(source.diagnostics)) }
        var config = NotifyConfig(origin: file)
        let fields = source.fields(of: root, in: "a notify file", known: ["pagerduty", "slack", "webhook", "retry"], required: [])
        if let node = fields["pagerduty"]?.value {
            for item in source.items(node, field: "pagerduty") {
                let entry = source.fields(of: item, in: "a pagerduty service", known: ["team", "routing_key_env", "routing_key_file", "url"], required: ["team"])
                guard let team = entry["team"].flatMap({ source.string($0.value, field: "team") }) else { continue }
                if config.pagerDuty.contains(where: { $0.team == team }) {
                    source.error("team '\(team)' is named twice; one service per team", at: entry["team"]?.value)
                }
                let url = entry["url"].flatMap { source.string($0.value, field: "url") } ?? pagerDutyURL
                if !isHTTP(url) { source.error("url '\(url)' is not an http(s) URL", at: entry["url"]?.value) }
                guard let key = secret(entry, env: "routing_key_env", file: "routing_key_file", what: "the routing key", at: item, environment: environment, source: &source) else { continue }
                if key.value.count != 32 {
                    source.error("the routing key from \(key.origin) is \(key.value.count) characters; PagerDuty's integration keys are 32", at: item)
                }
                config.pagerDuty.append(PagerDuty(team: team, routingKey: key, url: url))
            }
        }
        for (field, plainAllowed) in [("slack", false), ("webhook", true)] {
            guard let node = fields[field]?.value else { continue }
            for (index, item) in source.items(node, field: field).enumerated() {
                let known = plainAllowed ? ["url", "url_env", "url_file", "events"] : ["webhook_url", "webhook_url_env", "webhook_url_file", "events"]
                let entry = source.fields(of: item, in: "a \(field) receiver", known: known, required: [])
                let name = "\(field)[\(index + 1)]"
                let events = self.events(entry["events"]?.value, field: field, in: &source)
                let url: Secret?
                if plainAllowed, let plain = entry["url"], entry["url_env"] != nil || entry["url_file"] != nil {
                    source.error("give the webhook URL one way: url, url_env or url_file", at: plain.key)
                    url = nil
                } else if plainAllowed, let plain = entry["url"] {
                    url = source.string(plain.value, field: "url").map { Secret(origin: "url", value: $0) }
                } else if !plainAllowed, let plain = entry["webhook_url"] {
                    source.error("a Slack webhook URL is a secret: give webhook_url_env NAME or webhook_url_file PATH (0600), not the URL", at: plain.value)
                    url = nil
                } else {
                    let prefix = plainAllowed ? "url" : "webhook_url"
                    url = secret(entry, env: "\(prefix)_env", file: "\(prefix)_file", what: "the webhook URL", at: item, environment: environment, source: &source)
                }
                guard let url else { continue }
                if !isHTTP(url.value) { source.error("the URL from \(url.origin) is not an http(s) URL", at: item) }
                let hook = Hook(name: name, url: url, events: events)
                if plainAllowed { config.webhooks.append(hook) } else { config.slack.append(hook) }
            }
        }
        var maximumGiven = false
        if let node = fields["retry"]?.value {
            let retry = source.fields(of: node, in: "retry", known: ["attempts", "backoff", "max_backoff", "timeout"], required: [])
            if let node = retry["attempts"]?.value, let attempts = source.integer(node, field: "attempts") {
                if (1...20).contains(attempts) { config.attempts = attempts } else { source.error("attempts is 1 to 20", at: node) }
            }
            for (key, range) in [("backoff", 0.01...3600.0), ("max_backoff", 0.01...3600.0), ("timeout", 0.1...120.0)] {
                guard let node = retry[key]?.value, let ms = source.duration(node, field: key) else { continue }
                let seconds = ms / 1000
                guard range.contains(seconds) else { source.error("\(key) is \(range.lowerBound)s to \(Int(range.upperBound))s", at: node); continue }
                switch key {
                case "backoff": config.backoffSeconds = seconds
                case "max_backoff":
                    config.maximumBackoffSeconds = seconds
                    maximumGiven = true
                default: config.timeoutSeconds = seconds
                }
            }
        }
        if config.maximumBackoffSeconds < config.backoffSeconds, let node = fields["retry"]?.value {
            if maximumGiven {
                source.error("max_backoff (\(Self.seconds(config.maximumBackoffSeconds))) is below backoff (\(Self.seconds(config.backoffSeconds)))", at: node)
            } else {
                config.maximumBackoffSeconds = config.backoffSeconds
            }
        }
        if config.isEmpty, source.diagnostics.allSatisfy({ $0.severity != .error }) {
            source.error("names no receiver: give pagerduty, slack or webhook (docs/NOTIFY.md)", at: root)
        }
        let errors = source.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { return .failure(InputFileError(errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) })) }
        return .success(config)
    }

    /// The variables a notify file names for its secrets (`routing_key_env: PD_SRE_KEY` …), read
    /// from its lines without checking the file: to take them out of the environment also when
    /// the file is not used (a drill) or cannot be (a mistake in it).
    public static func secretVariables(inFile path: String) -> [String] {
        guard let bytes = try? TranscriptLog.readBytes(path: path), let text = String(validating: bytes, as: UTF8.self) else { return [] }
        var names: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            var rest = Substring(line).drop { $0 == " " || $0 == "-" || $0 == "\t" }
            guard let colon = rest.firstIndex(of: ":") else { continue }
            let key = rest[..<colon].trimmingCharacters(in: .whitespaces)
            guard key.hasSuffix("_env") else { continue }
            rest = rest[rest.index(after: colon)...]
            let value = rest.split(separator: "#").first.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'")) } ?? ""
            if !value.isEmpty { names.append(value) }
        }
        return names
    }

    /// `60s`, `0.5s`.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }

    private static func isHTTP(_ text: String) -> Bool {
        let lower = text.lowercased()
        return (lower.hasPrefix("http://") || lower.hasPrefix("https://")) && text.count > 8 && !text.contains(where: \.isWhitespace)
    }

    private static func events(_ node: Node?, field: String, in source: inout YAMLSource) -> Set<Event> {
        guard let node else { return field == "slack" ? [.update, .severity, .milestone, .close] : Set(Event.allCases) }
        var events: Set<Event> = []
        for item in source.items(node, field: "events") {
            guard let name = source.string(item, field: "events") else { continue }
            if name == "all" {
                events.formUnion(Event.allCases)
            } else if let event = Event(rawValue: name) {
                events.insert(event)
            } else {
                source.error("'\(name)' is not an event; use all, \(Event.allCases.map(\.rawValue).joined(separator: ", "))", at: item)
            }
        }
        return events
    }

    /// A secret from `NAME_env` or `NAME_file` (exactly one); a file must be readable by its owner only.
    private static func secret(_ entry: [String: (key: Node, value: Node)], env: String, file: String, what: String, at item: Node,
                               environment: [String: String], source: inout YAMLSource) -> Secret? {
        switch (entry[env], entry[file]) {
        case (nil, nil):
            source.error("give \(what) as \(env): VARIABLE or \(file): PATH (0600)", at: item)
            return nil
        case (.some, .some):
            source.error("give \(what) one way: \(env) or \(file), not both", at: entry[file]?.key)
            return nil
        case (let variable?, nil):
            guard let name = source.string(variable.value, field: env) else { return nil }
            guard let value = environment[name]?.trimmingWhitespace, !value.isEmpty else {
                source.error("\(what) is to come from $\(name), which is not set", at: variable.value)
                return nil
            }
            return Secret(origin: "$\(name)", value: value)
        case (nil, let path?):
            guard let name = source.string(path.value, field: file) else { return nil }
            var status = stat()
            guard stat(name, &status) == 0 else {
                source.error("\(what) file \(name): \(String(cString: strerror(errno)))", at: path.value)
                return nil
            }
            guard status.st_mode & 0o077 == 0 else {
                source.error("\(what) file \(name) can be read by others (mode \(String(status.st_mode & 0o777, radix: 8))); chmod 600 it", at: path.value)
                return nil
            }
            guard let bytes = try? TranscriptLog.readBytes(path: name), let text = String(validating: bytes, as: UTF8.self)?.trimmingWhitespace, !text.isEmpty else {
                source.error("\(what) file \(name) is empty, or not text", at: path.value)
                return nil
            }
            return Secret(origin: "file \(name)", value: text)
        }
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
