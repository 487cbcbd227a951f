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
    /// Read once per line (a close decided again reuses it).
    func incidentRange() -> (text: String, data: JSONObject)? {
        guard let metrics = instruments.metrics else { return nil }
        if let read = line.incidentRange { return read }
        let now = clock.now
        let first = ([state.openedAt] + Milestone.allCases.compactMap { state.milestone($0) }).min() ?? state.openedAt
        let lead = max(Int64(300_000), (now - first) / 4)
        let read = metrics.incidentRange(from: first - lead, to: now)
        line.incidentRange = read
        return read
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
