import Foundation
import Yams

/// Which PromQL answers each probe figure: the metrics map (docs/PROMETHEUS.md).
///
/// ```yaml
/// name: haproxy
/// labels: { backend: ".+" }
/// server_label: server
/// figures:
///   request_rate: sum(rate(haproxy_backend_http_requests_total{proxy=~"$backend"}[$window]))
///   …
/// ```
///
/// In every query `$window` becomes the probe's window (`300s`) and `$NAME` each label of
/// `labels`. Pool figures answer one number; server figures answer one series per server,
/// named by `server_label`. A figure the map leaves out is one the probes say they cannot read.
public struct MetricsMap: Sendable, Equatable {
    /// A figure a probe reads, with what its query must answer.
    public enum Figure: String, Sendable, CaseIterable {
        case requestRate = "request_rate"
        case errorRate = "error_rate"
        case timeoutRate = "timeout_rate"
        case queued
        case latencyP50 = "latency_p50_ms"
        case latencyP95 = "latency_p95_ms"
        case latencyP99 = "latency_p99_ms"
        case latencyAverage = "latency_average_ms"
        case serverRequestRate = "server_request_rate"
        case serverErrorRate = "server_error_rate"
        case serverStatus = "server_status"
        case serverWeight = "server_weight"
        case serverChecksFailed = "server_checks_failed"
        case serverDowns = "server_downs"
        case serverLatencyAverage = "server_latency_average_ms"
        case databaseLatency = "db_latency_ms"
        case databaseErrorRate = "db_error_rate"
        case networkRoundTrip = "network_rtt_ms"
        case networkLoss = "network_loss"
    }

    /// Shown in probe titles (`haproxy`, `checkout-api`).
    public var name: String
    /// Substituted as `$NAME` in every query.
    public var labels: [String: String]
    /// The label that names a server in the server figures' answers.
    public var serverLabel: String
    public var queries: [Figure: String]
    /// Where the map came from (`built-in HAProxy map`, or the file's path).
    public var origin: String

    public init(name: String, labels: [String: String], serverLabel: String, queries: [Figure: String], origin: String) {
        self.name = name
        self.labels = labels
        self.serverLabel = serverLabel
        self.queries = queries
        self.origin = origin
    }

    /// `query`'s PromQL with `$window` and the labels filled in; `nil` when the map leaves it out.
    public func promQL(_ figure: Figure, windowSeconds: Int) -> String? {
        guard var text = queries[figure] else { return nil }
        text = text.replacingOccurrences(of: "$window", with: "\(windowSeconds)s")
        // Longest names first, so that `$backend_pool` is not read as `$backend` + `_pool`.
        for (name, value) in labels.sorted(by: { $0.key.count > $1.key.count }) {
            text = text.replacingOccurrences(of: "$\(name)", with: value)
        }
        return text
    }

    /// The same map with `label` set (the HAProxy target's backend, when one is named).
    public func with(label name: String, _ value: String) -> MetricsMap {
        var copy = self
        copy.labels[name] = value
        return copy
    }

    /// HAProxy's built-in exporter (`http-request use-service prometheus-exporter`), over every
    /// backend unless `backend` is set: a regular expression, `.+` by default. This text is
    /// also the example in docs/PROMETHEUS.md.
    public static let haproxyText = #"""
        # HAProxy's built-in Prometheus exporter (HAProxy 2.4 and later).
        name: haproxy
        labels:
          backend: ".+"     # a regular expression over backend names; --target haproxy:…,backend=NAME sets it
        server_label: server
        figures:
          request_rate: sum(rate(haproxy_backend_http_requests_total{proxy=~"$backend"}[$window]))
          error_rate: >-
            sum(rate(haproxy_backend_http_responses_total{proxy=~"$backend",code="5xx"}[$window]))
            / sum(rate(haproxy_backend_http_requests_total{proxy=~"$backend"}[$window]))
          queued: sum(haproxy_backend_current_queue{proxy=~"$backend"})
          latency_average_ms: >-
            1000 * avg(avg_over_time(haproxy_backend_queue_time_average_seconds{proxy=~"$backend"}[$window])
            + avg_over_time(haproxy_backend_connect_time_average_seconds{proxy=~"$backend"}[$window])
            + avg_over_time(haproxy_backend_response_time_average_seconds{proxy=~"$backend"}[$window]))
          server_request_rate: sum by (server) (rate(haproxy_server_sessions_total{proxy=~"$backend"}[$window]))
          server_error_rate: >-
            (sum by (server) (rate(haproxy_server_http_responses_total{proxy=~"$backend",code="5xx"}[$window]))
            + sum by (server) (rate(haproxy_server_connection_errors_total{proxy=~"$backend"}[$window])))
            / sum by (server) (rate(haproxy_server_sessions_total{proxy=~"$backend"}[$window]))
          server_status: max by (server, state) (haproxy_server_status{proxy=~"$backend"}) == 1
          server_weight: max by (server) (haproxy_server_weight{proxy=~"$backend"})
          server_checks_failed: sum by (server) (increase(haproxy_server_check_failures_total{proxy=~"$backend"}[$window]))
          server_downs: sum by (server) (increase(haproxy_server_check_up_down_total{proxy=~"$backend"}[$window]))
          server_latency_average_ms: >-
            1000 * max by (server) (avg_over_time(haproxy_server_response_time_average_seconds{proxy=~"$backend"}[$window]))
        """#

    /// The built-in HAProxy map.
    public static let haproxy: MetricsMap = {
        // The built-in text is checked by the tests; it cannot fail here.
        (try? parse(bytes: Array(haproxyText.utf8), file: "built-in HAProxy map").get()) ?? MetricsMap(
            name: "haproxy", labels: [:], serverLabel: "server", queries: [:], origin: "built-in HAProxy map")
    }()

    /// Reads a map file; every problem with its file:line:column.
    public static func load(path: String) throws -> MetricsMap {
        let bytes = try YAMLSource.read(path, missing: "give a metrics map's path (docs/PROMETHEUS.md)", folder: "give a metrics map file (*.yaml)").get()
        return try parse(bytes: bytes, file: path).get()
    }

    /// Parses a map: `name`, `labels`, `server_label` and `figures` (at least one known figure).
    public static func parse(bytes: [UInt8], file: String) -> Result<MetricsMap, InputFileError> {
        var source = YAMLSource(bytes: bytes, file: file, kind: "metrics map")
        guard let root = source.root else { return .failure(InputFileError(source.diagnostics)) }
        let fields = source.fields(of: root, in: "a metrics map", known: ["name", "labels", "server_label", "figures"], required: ["figures"])
        let name = fields["name"].flatMap { source.string($0.value, field: "name") } ?? "metrics"
        let serverLabel = fields["server_label"].flatMap { source.string($0.value, field: "server_label") } ?? "server"
        var labels: [String: String] = [:]
        if let node = fields["labels"]?.value {
            if case .mapping(let mapping) = node {
                for (key, value) in mapping {
                    guard let label = key.string, label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !label.isEmpty else {
                        source.error("a label name is letters, digits and _ (it is used as $NAME in the queries)", at: key)
                        continue
                    }
                    if let text = source.string(value, field: "labels.\(label)") { labels[label] = text }
                }
            } else {
                source.error("labels must be a mapping of NAME: value", at: node)
            }
        }
        var queries: [Figure: String] = [:]
        if let node = fields["figures"]?.value {
            let known = Figure.allCases.map(\.rawValue)
            let entries = source.fields(of: node, in: "figures", known: known, required: [])
            for (key, entry) in entries {
                guard let figure = Figure(rawValue: key), let text = source.string(entry.value, field: "figures.\(key)") else { continue }
                let query = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if query.isEmpty { source.error("figures.\(key) is empty; give its PromQL or leave the figure out", at: entry.value); continue }
                for word in Self.variables(in: query) where word != "window" && labels[word] == nil {
                    source.error("figures.\(key) uses $\(word), which is neither $window nor a label of `labels`", at: entry.value)
                }
                queries[figure] = query
            }
            if queries.isEmpty, case .mapping = node { source.error("figures names no figure; known: \(known.joined(separator: ", "))", at: node) }
        }
        let errors = source.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { return .failure(InputFileError(errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) })) }
        return .success(MetricsMap(name: name, labels: labels, serverLabel: serverLabel, queries: queries, origin: file))
    }

    /// `$window`, `$backend` … in a query.
    static func variables(in query: String) -> [String] {
        var names: [String] = []
        var rest = Substring(query)
        while let dollar = rest.firstIndex(of: "$") {
            rest = rest[rest.index(after: dollar)...]
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !name.isEmpty { names.append(String(name)) }
            rest = rest.dropFirst(name.count)
        }
        return names
    }
}

/// Text for PromQL queries.
public enum PromQLText {
    /// `app\\.v2` for the backend `app.v2`, as a literal inside `=~"…"` (RE2 escapes, then the
    /// string's own backslash escape).
    public static func regexEscaped(_ name: String) -> String {
        var text = ""
        for character in name {
            if "\\.+*?()|[]{}^$".contains(character) { text += "\\\\" }
            if character == "\"" { text += "\\" }
            text.append(character)
        }
        return text
    }
}
