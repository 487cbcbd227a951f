import Crypto

/// One notification from Alertmanager's webhook receiver (payload version 4): an alert group
/// and the alerts in it, firing or resolved.
///
/// Read as Alertmanager 0.25 writes it: times with 0–9 fraction digits and any offset, a firing
/// alert's `endsAt` of `0001-01-01T00:00:00Z`, keys added by newer versions ignored.
public struct AlertmanagerPayload: Sendable, Equatable {
    /// One alert of the group.
    public struct Alert: Sendable, Equatable {
        public var firing: Bool
        public var labels: [String: String]
        public var annotations: [String: String]
        /// When it began firing (Prometheus's `FiredAt`).
        public var startsAt: Instant
        /// When it resolved (`nil` while it fires).
        public var endsAt: Instant?
        public var generatorURL: String
        /// Alertmanager's id for the label set; computed from the labels when a payload has none.
        public var fingerprint: String

        public init(firing: Bool, labels: [String: String], annotations: [String: String], startsAt: Instant, endsAt: Instant?,
                    generatorURL: String, fingerprint: String) {
            self.firing = firing
            self.labels = labels
            self.annotations = annotations
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.generatorURL = generatorURL
            self.fingerprint = fingerprint
        }

        public var name: String { labels["alertname"] ?? "unnamed alert" }

        /// `summary`, else `description`, else the alert's name and its labels.
        public var summary: String {
            if let summary = annotations["summary"], !summary.isEmpty { return summary }
            if let description = annotations["description"], !description.isEmpty { return description }
            let rest = labels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return rest.isEmpty ? name : "\(name) (\(rest.joined(separator: ", ")))"
        }

        /// What says this alert's firing (or its resolution) is recorded: once per fingerprint,
        /// state and start, however often Alertmanager sends it again.
        public var key: String {
            "alertmanager:\(fingerprint):\(firing ? "firing" : "resolved"):\(startsAt.iso8601)"
        }
    }

    public var receiver: String
    public var firing: Bool
    public var groupKey: String
    public var groupLabels: [String: String]
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    public var externalURL: String
    public var alerts: [Alert]

    public init(receiver: String, firing: Bool, groupKey: String, groupLabels: [String: String], commonLabels: [String: String],
                commonAnnotations: [String: String], externalURL: String, alerts: [Alert]) {
        self.receiver = receiver
        self.firing = firing
        self.groupKey = groupKey
        self.groupLabels = groupLabels
        self.commonLabels = commonLabels
        self.commonAnnotations = commonAnnotations
        self.externalURL = externalURL
        self.alerts = alerts
    }

    /// The group's title: its common `summary` annotation, else the first alert's summary, else
    /// the group's labels.
    public var title: String {
        if let summary = commonAnnotations["summary"], !summary.isEmpty { return summary }
        if alerts.count == 1, let first = alerts.first { return first.summary }
        let name = commonLabels["alertname"] ?? groupLabels["alertname"] ?? alerts.first?.name ?? "Alert"
        let labels = groupLabels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return labels.isEmpty ? name : "\(name) (\(labels.joined(separator: ", ")))"
    }

    /// Reads a webhook body.
    /// - Throws: `AlertPayloadError`, saying in one line what is wrong and where.
    public static func parse(_ bytes: [UInt8]) throws -> AlertmanagerPayload {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw AlertPayloadError("the body is not JSON (\(error))")
        }
        guard let object = value.objectValue else { throw AlertPayloadError("the body is not a JSON object") }
        if let number = object["version"]?.doubleValue {
            throw AlertPayloadError("'version' is the number \(number == number.rounded() ? String(Int(number)) : String(number)); Alertmanager sends the string \"4\"")
        }
        guard let version = object["version"]?.stringValue else {
            throw AlertPayloadError("'version' is missing: is this Alertmanager's webhook (webhook_configs)?")
        }
        guard version == "4" else {
            throw AlertPayloadError("payload version \"\(version)\" is not one warroom reads (it reads Alertmanager's version \"4\")")
        }
        guard let items = object["alerts"]?.arrayValue else { throw AlertPayloadError("'alerts' is missing or not a list") }
        guard !items.isEmpty else { throw AlertPayloadError("'alerts' is empty: a notification names at least one alert") }
        guard let groupKey = object["groupKey"]?.stringValue, !groupKey.isEmpty else {
            throw AlertPayloadError("'groupKey' is missing: warroom keeps one incident per alert group")
        }
        let alerts = try items.enumerated().map { index, item in try alert(item, at: "alerts[\(index)]") }
        return AlertmanagerPayload(
            receiver: object["receiver"]?.stringValue ?? "",
            firing: object["status"]?.stringValue != "resolved",
            groupKey: groupKey,
            groupLabels: try labels(object["groupLabels"], at: "groupLabels"),
            commonLabels: try labels(object["commonLabels"], at: "commonLabels"),
            commonAnnotations: try labels(object["commonAnnotations"], at: "commonAnnotations"),
            externalURL: object["externalURL"]?.stringValue ?? "",
            alerts: alerts)
    }

    /// One alert as the webhook and API v2 (`GET /api/v2/alerts`) both write it.
    public static func alert(_ item: JSONValue, at path: String) throws -> Alert {
        guard let object = item.objectValue else { throw AlertPayloadError("\(path) is not an object") }
        let labels = try labels(object["labels"], at: "\(path).labels")
        guard let startsText = object["startsAt"]?.stringValue else { throw AlertPayloadError("\(path).startsAt is missing") }
        guard let startsAt = Instant.parseISO8601(startsText) else {
            throw AlertPayloadError("\(path).startsAt '\(startsText.prefix(40))' is not an RFC 3339 time")
        }
        var endsAt: Instant?
        if let endsText = object["endsAt"]?.stringValue, !endsText.hasPrefix("0001-") {
            guard let parsed = Instant.parseISO8601(endsText) else {
                throw AlertPayloadError("\(path).endsAt '\(endsText.prefix(40))' is not an RFC 3339 time")
            }
            endsAt = parsed
        }
        // The webhook says `status`; API v2 says `status.state` (active, suppressed, unprocessed).
        let status = object["status"]?.stringValue ?? object["status"]?["state"]?.stringValue ?? "firing"
        let firing = status != "resolved"
        let fingerprint = object["fingerprint"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? Self.fingerprint(labels)
        return Alert(firing: firing, labels: labels, annotations: try self.labels(object["annotations"], at: "\(path).annotations"),
                     startsAt: startsAt, endsAt: firing ? nil : endsAt, generatorURL: object["generatorURL"]?.stringValue ?? "",
                     fingerprint: fingerprint)
    }

    static func labels(_ value: JSONValue?, at path: String) throws -> [String: String] {
        guard let value, value != .null else { return [:] }
        guard let object = value.objectValue else { throw AlertPayloadError("\(path) is not an object of names and values") }
        var labels: [String: String] = [:]
        for member in object {
            guard let text = member.value.stringValue else { throw AlertPayloadError("\(path).\(member.key) is not a string") }
            labels[member.key] = text
        }
        return labels
    }

    /// 16 hex digits of the SHA-256 of the sorted labels, for a payload without fingerprints.
    static func fingerprint(_ labels: [String: String]) -> String {
        let text = labels.sorted { $0.key < $1.key }.map { "\($0.key)\u{1}\($0.value)" }.joined(separator: "\u{2}")
        return HashChain.hex(SHA256.hash(data: Array(text.utf8)).prefix(8))
    }
}

/// A webhook body warroom will never accept (answered 400: Alertmanager does not retry it).
public struct AlertPayloadError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    /// Text quoted from the body is shown on one line, its control characters made visible.
    public init(_ reason: String) { self.reason = SafeText.printable(reason) }
    public var description: String { reason }
}
