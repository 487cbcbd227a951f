extension Session {
    /// The metrics backend the `open` entry names (`prometheus:http://…`), for `resume` and
    /// `join` to read again when no `--metrics` is given.
    public var recordedMetrics: String? { state.openData["metrics"]?.stringValue }

    /// The metrics map the incident was opened with, when it was a file (not the built-in map).
    public var recordedMetricsMap: String? {
        guard let map = state.openData["metrics_map"]?.stringValue, map != MetricsMap.haproxy.origin else { return nil }
        return map
    }

    /// The probes read from Prometheus, when attached.
    public var metricsProbes: PrometheusProbes? { instruments.metrics }

    /// Prometheus's range over the incident (from its first milestone, or its opening, less a
    /// quarter of its length for the time before, to now), when the probes read Prometheus.
    func incidentRange() -> (text: String, data: JSONObject)? {
        guard let metrics = instruments.metrics else { return nil }
        let now = clock.now
        let first = ([state.openedAt] + Milestone.allCases.compactMap { state.milestone($0) }).min() ?? state.openedAt
        let lead = max(Int64(300_000), (now - first) / 4)
        return metrics.incidentRange(from: first - lead, to: now)
    }

    /// Lets `probe errors`, `latency`, `traffic`, `health`, `distribution`, `db` and `network`
    /// read from a metrics backend. When the map's queries take `$backend` and the incident's
    /// HAProxy names its backend, the queries are narrowed to that backend.
    public func attachMetrics(_ probes: PrometheusProbes) {
        var probes = probes
        if probes.map.labels["backend"] == ".+", let haproxy = target as? HAProxyTarget, let backend = try? haproxy.settledBackend() {
            probes = PrometheusProbes(backend: probes.backend, map: probes.map.with(label: "backend", PromQLText.regexEscaped(backend)),
                                      timeoutSeconds: probes.timeoutSeconds)
        }
        instruments.metrics = probes
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
