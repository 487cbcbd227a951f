/// The probes read from a metrics backend (Prometheus) through a metrics map: `probe errors`,
/// `latency`, `traffic`, `health`, `distribution`, `db` and `network` over any window,
/// including before the shell opened (docs/PROMETHEUS.md).
///
/// Every figure is the backend's own answer to one PromQL query, evaluated at the incident
/// clock's time; the result names its window and keeps each query (`data.queries`), and
/// `--show-query` prints them. A probe the backend cannot answer within the timeout returns a
/// result that says so in one line and is recorded as such.
public final class PrometheusProbes {
    public let backend: any MetricsQuerying
    public let map: MetricsMap
    /// How long one probe may wait for all its answers, in seconds.
    public let timeoutSeconds: Double

    /// The longest window a probe may ask of the backend: what Prometheus keeps by default (15 days), and more.
    public static let longestWindowSeconds = 31 * 86_400
    /// The probes answered here; `config` and `backend NAME` read the load balancer itself.
    public static let kinds: Set<ProbeKind> = [.errors, .latency, .traffic, .health, .distribution, .db, .network]

    public init(backend: any MetricsQuerying, map: MetricsMap, timeoutSeconds: Double = 2) {
        self.backend = backend
        self.map = map
        self.timeoutSeconds = timeoutSeconds
    }

    /// `prometheus:http://127.0.0.1:9090 (haproxy map)`.
    public var label: String { "\(backend.label) (\(map.name) map)" }

    /// Runs `probe KIND [--window D] [--show-query] [--all]` at the incident clock's `now`.
    /// - Throws: `ConsoleError.usage`, `ConsoleError.badWindow`; never a backend failure (that is a result saying so).
    public func probe(_ kind: ProbeKind, args: [String], at now: Instant) throws -> ProbeResult {
        let usage = "probe \(kind.rawValue) [--window D] [--show-query] [--all]"
        let options = try ProbeOptions(args, usage: usage, longestSeconds: Self.longestWindowSeconds)
        guard options.words.isEmpty else { throw ConsoleError.usage("\(usage)  (takes no other arguments)") }
        var run = Run(probes: self, windowSeconds: options.windowSeconds, at: now, deadline: backend.realNow() + Int64(timeoutSeconds * 1000))
        var result: ProbeResult
        do {
            switch kind {
            case .errors: result = try errors(&run, options)
            case .latency: result = try latency(&run, options)
            case .traffic: result = try traffic(&run)
            case .health: result = try health(&run, options)
            case .distribution: result = try distribution(&run, options)
            case .db: result = try dependency(&run, kind: .db)
            case .network: result = try dependency(&run, kind: .network)
            default: throw ConsoleError.usage("probe \(kind.rawValue) reads the load balancer, not \(backend.label)")
            }
        } catch let error as MetricsError {
            let reason = stated(error).description
            result = ProbeResult(kind: kind, args: args, text: "probe \(kind.rawValue): not read: \(reason)", metrics: [:],
                                 unavailable: kind.metricNames, unavailableReason: reason)
        } catch let missing as MissingFigures {
            let reason = "the \(map.name) metrics map (\(map.origin)) defines no \(missing.figures.map(\.rawValue).joined(separator: " or "))"
            result = ProbeResult(kind: kind, args: args, text: "probe \(kind.rawValue): not available: \(reason); add it to the map to read it here (docs/PROMETHEUS.md)",
                                 metrics: [:], unavailable: kind.metricNames, unavailableReason: reason)
        }
        result.args = args
        if !run.queries.isEmpty {
            var queries = JSONObject()
            for (figure, query) in run.queries { queries[figure] = .string(query) }
            result.provenance = ["source": .string(backend.label), "map": .string(map.origin), "queries": .object(queries)]
            if options.showQuery {
                result.text += "\nqueries (evaluated at \(now.iso8601Seconds)):\n" + run.queries.map { "  \($0.figure): \($0.query)" }.joined(separator: "\n")
            }
        }
        return result
    }

    /// The error as the responder should read it: a timeout is the probe's stated one (what the
    /// backend was given), not what was left of it when the last query was sent.
    func stated(_ error: MetricsError) -> MetricsError {
        guard case .timedOut(let source, _) = error else { return error }
        return .timedOut(source: source, seconds: timeoutSeconds)
    }

    /// A map without the figures a probe needs.
    struct MissingFigures: Error {
        var figures: [MetricsMap.Figure]
    }

    /// One probe's queries: the window, the deadline, and what was asked (for the record).
    struct Run {
        let probes: PrometheusProbes
        let windowSeconds: Int
        let at: Instant
        let deadline: Instant
        var queries: [(figure: String, query: String)] = []

        init(probes: PrometheusProbes, windowSeconds: Int, at: Instant, deadline: Instant) {
            self.probes = probes
            self.windowSeconds = windowSeconds
            self.at = at
            self.deadline = deadline
        }

        var window: ProbeWindow { ProbeWindow(requestedSeconds: windowSeconds, from: at - Int64(windowSeconds) * 1000, to: at) }

        func has(_ figure: MetricsMap.Figure) -> Bool { probes.map.queries[figure] != nil }

        /// The figure's one number (`nil` when the answer is empty or not a number: no data).
        mutating func value(_ figure: MetricsMap.Figure, window seconds: Int? = nil, at time: Instant? = nil, name: String? = nil) throws -> Double? {
            guard let query = probes.map.promQL(figure, windowSeconds: seconds ?? windowSeconds) else { throw MissingFigures(figures: [figure]) }
            queries.append((name ?? figure.rawValue, query))
            let samples = try probes.backend.instant(query, at: time ?? at, deadline: deadline)
            let finite = samples.map(\.value).filter(\.isFinite)
            return finite.isEmpty ? nil : finite.reduce(0, +)
        }

        /// The figure per server, by the map's server label.
        mutating func perServer(_ figure: MetricsMap.Figure) throws -> [String: Double] {
            try perServerSamples(figure).reduce(into: [:]) { $0[$1.server] = $1.value }
        }

        mutating func perServerSamples(_ figure: MetricsMap.Figure) throws -> [(server: String, value: Double, labels: [String: String])] {
            guard let query = probes.map.promQL(figure, windowSeconds: windowSeconds) else { throw MissingFigures(figures: [figure]) }
            queries.append((figure.rawValue, query))
            return try probes.backend.instant(query, at: at, deadline: deadline).compactMap { sample in
                guard let server = sample.labels[probes.map.serverLabel] else { return nil }
                return (server, sample.value, sample.labels)
            }
        }

        /// Each server's current state: the `state` label of its series whose value is 1.
        mutating func states() throws -> [String: String] {
            var states: [String: String] = [:]
            for sample in try perServerSamples(.serverStatus) where sample.value == 1 { states[sample.server] = sample.labels["state"] ?? "?" }
            return states
        }

        /// The figure every minute over the last `minutes` (a sparkline), with `$window` one minute.
        mutating func minutes(_ figure: MetricsMap.Figure, _ minutes: Int) throws -> [MetricSeries.Point] {
            guard let query = probes.map.promQL(figure, windowSeconds: 60) else { throw MissingFigures(figures: [figure]) }
            queries.append(("\(figure.rawValue) per minute", query))
            let series = try probes.backend.range(query, from: at - Int64(minutes - 1) * 60_000, to: at, step: 60, deadline: deadline)
            return series.first?.points.filter { $0.value.isFinite } ?? []
        }
    }

    /// `Errors over the last 5m (…) from prometheus:… (haproxy map)`.
    private func title(_ what: String, _ run: Run) -> String {
        "\(what) \(run.window.text), from \(label)"
    }

    // MARK: - errors

    func errors(_ run: inout Run, _ options: ProbeOptions) throws -> ProbeResult {
        guard run.has(.errorRate), run.has(.requestRate) else { throw MissingFigures(figures: [.errorRate, .requestRate].filter { !run.has($0) }) }
        let rate = try run.value(.requestRate)
        let errorRate = try run.value(.errorRate)
        let requests = (rate ?? 0) * Double(run.windowSeconds)
        var metrics: JSONObject = ["requests": .number(requests.rounded())]
        var unavailable: [String] = []
        var text: String
        if let errorRate {
            text = "\(title("Errors", run)): \(TextFormat.percent(errorRate)) of \(TextFormat.count(requests)) requests failed"
            metrics["error_rate"] = .number(errorRate)
        } else {
            text = "\(title("Errors", run)): no requests in the window, so no error rate (the query answered no number)"
            unavailable.append("error_rate")
        }
        if run.has(.timeoutRate), let timeouts = try run.value(.timeoutRate) {
            text += "\n  timeouts \(TextFormat.percent(timeouts))"
            metrics["timeout_rate"] = .number(timeouts)
        } else {
            unavailable.append("timeout_rate")
        }
        let points = try run.minutes(.errorRate, 30)
        if !points.isEmpty {
            let values = points.map(\.value)
            let peak = values.max() ?? 0
            text += "\nlast 30 min  \(TextFormat.sparkline(values, maximum: max(peak, 0.01)))  peak \(TextFormat.percent(peak)) (per minute, \(points.count) of 30 with data)"
        } else {
            text += "\nlast 30 min: no data"
        }
        if run.has(.serverErrorRate), run.has(.serverRequestRate) {
            let requestsByServer = try run.perServer(.serverRequestRate)
            let failed = try run.perServer(.serverErrorRate)
            let rows = requestsByServer.keys.sorted(by: Self.naturalOrder).map { server in
                [server, TextFormat.count((requestsByServer[server] ?? 0) * Double(run.windowSeconds)),
                 failed[server].flatMap { $0.isFinite ? TextFormat.percent($0) : nil } ?? "-"]
            }
            if !rows.isEmpty {
                let table = TextFormat.collapsedTable(header: ["BACKEND", "REQUESTS", "FAILED"], rows: rows, alignments: [.left, .right, .right], all: options.all)
                text += "\nper server over the window:\n" + table.text + TextFormat.foldedNote(table.folded)
            }
        }
        return ProbeResult(kind: .errors, text: text, metrics: metrics, window: run.window, unavailable: unavailable)
    }

    // MARK: - latency

    func latency(_ run: inout Run, _ options: ProbeOptions) throws -> ProbeResult {
        let percentiles: [(MetricsMap.Figure, String)] = [(.latencyP50, "p50"), (.latencyP95, "p95"), (.latencyP99, "p99")]
        var metrics: JSONObject = [:]
        var text: String
        var unavailable: [String] = []
        if percentiles.contains(where: { run.has($0.0) }) {
            var cells: [String] = []
            for (figure, name) in percentiles where run.has(figure) {
                let value = try run.value(figure)
                cells.append("\(name) \(value.map(TextFormat.milliseconds) ?? "no data")")
                if let value { metrics["\(name)_ms"] = .number(value) } else if name != "p95" { unavailable.append("\(name)_ms") }
            }
            for (figure, name) in percentiles where !run.has(figure) && name != "p95" { unavailable.append("\(name)_ms") }
            text = "\(title("Latency", run)): " + cells.joined(separator: ", ") + "\n(percentiles from the histogram's buckets over the window)"
        } else if run.has(.latencyAverage) {
            let average = try run.value(.latencyAverage)
            text = "\(title("Latency", run)): average \(average.map(TextFormat.milliseconds) ?? "no data")"
                + "\n(averages, not percentiles: the map reads no histogram, so p50 and p99 are not known)"
            if let average { metrics["average_ms"] = .number(average) }
            unavailable = ["p50_ms", "p99_ms"]
        } else {
            throw MissingFigures(figures: [.latencyP99, .latencyAverage])
        }
        if run.has(.serverLatencyAverage) {
            let servers = try run.perServer(.serverLatencyAverage)
            let rows = servers.keys.sorted(by: Self.naturalOrder).map { [$0, servers[$0].flatMap { $0.isFinite ? TextFormat.milliseconds($0) : nil } ?? "-"] }
            if !rows.isEmpty {
                let table = TextFormat.collapsedTable(header: ["BACKEND", "AVERAGE"], rows: rows, alignments: [.left, .right], all: options.all)
                text += "\nper server, average response time over the window:\n" + table.text + TextFormat.foldedNote(table.folded)
            }
        }
        return ProbeResult(kind: .latency, text: text, metrics: metrics, window: run.window, unavailable: unavailable)
    }

    // MARK: - traffic

    func traffic(_ run: inout Run) throws -> ProbeResult {
        guard run.has(.requestRate) else { throw MissingFigures(figures: [.requestRate]) }
        let rate = try run.value(.requestRate) ?? 0
        let dayBefore = run.at - 86_400_000
        let baseline = try run.value(.requestRate, at: dayBefore, name: "request_rate a day earlier (evaluated at \(dayBefore.iso8601Seconds))")
        var text = "\(title("Traffic", run)): \(TextFormat.rate(rate))"
        var metrics: JSONObject = ["request_rate": .number(rate)]
        var unavailable = ["top_source_share"]
        if let baseline, baseline > 0 {
            let ratio = rate / baseline
            text += "\nsame window a day earlier (to \(dayBefore.clockSeconds)): \(TextFormat.rate(baseline)) (ratio \(String(format: "%.2f", ratio)))"
            metrics["baseline_ratio"] = .number(ratio)
        } else {
            text += "\nsame window a day earlier: no data to compare with"
            unavailable.append("baseline_ratio")
        }
        text += "\nclient sources: not in the metrics map"
        return ProbeResult(kind: .traffic, text: text, metrics: metrics, window: run.window, unavailable: unavailable)
    }

    // MARK: - health

    func health(_ run: inout Run, _ options: ProbeOptions) throws -> ProbeResult {
        guard run.has(.serverStatus) else { throw MissingFigures(figures: [.serverStatus]) }
        let states = try run.states()
        let weights = run.has(.serverWeight) ? try run.perServer(.serverWeight) : [:]
        let failed = run.has(.serverChecksFailed) ? try run.perServer(.serverChecksFailed) : nil
        let downs = run.has(.serverDowns) ? try run.perServer(.serverDowns) : nil
        let queued = run.has(.queued) ? try run.value(.queued) : nil
        let up = states.values.filter { $0.hasPrefix("UP") }.count
        let down = states.values.filter { $0.hasPrefix("DOWN") }.count
        let drain = states.values.filter { $0 == "DRAIN" || $0 == "NOLB" }.count
        let maint = states.values.filter { $0 == "MAINT" }.count
        var lines = ["Health at \(run.at.clockSeconds), from \(label): \(up) up, \(down) down, \(drain) drain, \(maint) maint"]
        var metrics: JSONObject = ["backends_up": .int(up), "backends_down": .int(down)]
        if let failed, let downs {
            let checks = failed.values.filter(\.isFinite).reduce(0, +)
            let wentDown = downs.values.filter(\.isFinite).reduce(0, +)
            lines.append("\(run.window.text): \(TextFormat.count(checks)) checks failed, \(TextFormat.count(wentDown)) times a server went DOWN")
            metrics["checks_failed"] = .number(checks.rounded())
            metrics["downs"] = .number(wentDown.rounded())
        }
        if let queued {
            lines.append("backend queue: \(TextFormat.count(queued)) waiting now")
            metrics["queued"] = .number(queued)
        }
        lines.append("STATUS and WEIGHT are now; CHECKS FAILED and DOWN are over the window")
        let rows = states.keys.sorted(by: Self.naturalOrder).map { server in
            [server, states[server] ?? "?", weights[server].map { String(Int($0)) } ?? "-",
             failed?[server].map { TextFormat.count($0) } ?? "-", downs?[server].map { TextFormat.count($0) } ?? "-"]
        }
        let table = TextFormat.collapsedTable(header: ["BACKEND", "STATUS", "WEIGHT", "CHECKS FAILED", "DOWN"], rows: rows,
                                              alignments: [.left, .left, .right, .right, .right], all: options.all)
        return ProbeResult(kind: .health, text: lines.joined(separator: "\n") + "\n" + table.text + TextFormat.foldedNote(table.folded),
                           metrics: metrics, window: failed == nil ? nil : run.window)
    }

    // MARK: - distribution

    func distribution(_ run: inout Run, _ options: ProbeOptions) throws -> ProbeResult {
        guard run.has(.serverRequestRate) else { throw MissingFigures(figures: [.serverRequestRate]) }
        let rates = try run.perServer(.serverRequestRate)
        let weights = run.has(.serverWeight) ? try run.perServer(.serverWeight) : [:]
        let states = run.has(.serverStatus) ? try run.states() : [:]
        let total = rates.values.filter(\.isFinite).reduce(0, +)
        let servers = rates.keys.sorted(by: Self.naturalOrder)
        let shares = servers.map { total > 0 ? (rates[$0] ?? 0) / total : 0 }
        let largest = shares.max() ?? 0
        let inRotation = servers.filter { (states[$0].map { $0.hasPrefix("UP") } ?? true) && (weights[$0] ?? 1) > 0 }.count
        let skew = inRotation > 0 ? largest * Double(inRotation) : 0
        let rows = zip(servers, shares).map { server, share in
            [server, weights[server].map { String(Int($0)) } ?? "-", TextFormat.percent(share), TextFormat.count(rates[server] ?? 0),
             TextFormat.bar(largest > 0 ? share / largest : 0)]
        }
        var text = "Distribution \(run.window.text), from \(label) · \(TextFormat.count(total * Double(run.windowSeconds))) requests\n"
        text += "WEIGHT is now; SHARE and REQ/S are over the window\n"
        let table = TextFormat.collapsedTable(header: ["BACKEND", "WEIGHT", "SHARE", "REQ/S", ""], rows: rows,
                                              alignments: [.left, .right, .right, .right, .left], all: options.all)
        text += table.text + TextFormat.foldedNote(table.folded)
        text += "\nskew \(String(format: "%.2f", skew))× fair share (largest share × \(inRotation) servers in rotation now)"
        text += " · utilization: the metrics map does not know the servers' capacity"
        return ProbeResult(kind: .distribution, text: text, metrics: ["skew": .number(skew)], window: run.window, unavailable: ["max_utilization"])
    }

    // MARK: - db, network

    func dependency(_ run: inout Run, kind: ProbeKind) throws -> ProbeResult {
        let figures: [(MetricsMap.Figure, String, String, (Double) -> String)] = kind == .db
            ? [(.databaseLatency, "latency", "latency_ms", TextFormat.milliseconds), (.databaseErrorRate, "error rate", "error_rate", TextFormat.percent)]
            : [(.networkRoundTrip, "round trip", "rtt_ms", TextFormat.milliseconds), (.networkLoss, "loss", "loss", TextFormat.percent)]
        guard figures.contains(where: { run.has($0.0) }) else { throw MissingFigures(figures: figures.map(\.0)) }
        var metrics: JSONObject = [:]
        var unavailable: [String] = []
        var cells: [String] = []
        for (figure, name, metric, format) in figures {
            guard run.has(figure) else {
                unavailable.append(metric)
                cells.append("\(name) not in the map")
                continue
            }
            if let value = try run.value(figure) {
                metrics[metric] = .number(value)
                cells.append("\(name) \(format(value))")
            } else {
                unavailable.append(metric)
                cells.append("\(name) no data")
            }
        }
        let what = kind == .db ? "Database" : "Network (load balancer ↔ backends)"
        return ProbeResult(kind: kind, text: "\(title(what, run)): " + cells.joined(separator: ", "), metrics: metrics, window: run.window, unavailable: unavailable)
    }

    /// `msg-2` before `msg-10`.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        let pa = a.split(whereSeparator: \.isNumber).joined(), pb = b.split(whereSeparator: \.isNumber).joined()
        if pa == pb, let na = Int(a.filter(\.isNumber)), let nb = Int(b.filter(\.isNumber)), na != nb { return na < nb }
        return a < b
    }
}

// MARK: - The incident's range, for the postmortem

extension PrometheusProbes {
    /// The error rate and traffic over `from…to` from Prometheus's range API, as the `probe`
    /// entry (`data.probe: "range"`) the postmortem draws its chart and impact figure from.
    /// The step keeps it to at most 480 points a series (a multiple of 15 s, at least 15 s);
    /// each point's figures cover the step before it.
    /// - Returns: the entry's text and data; a backend that cannot answer gives a result saying so.
    public func incidentRange(from requested: Instant, to: Instant) -> (text: String, data: JSONObject) {
        let span = max(Int64(60_000), to - requested)
        let step = max(15, Int(((Double(span) / 1000 / 480) / 15).rounded(.up)) * 15)
        // The last point is `to` itself, so that the points' steps cover the incident to its end.
        let steps = (span + Int64(step) * 1000 - 1) / (Int64(step) * 1000)
        let from = to - steps * Int64(step) * 1000
        let deadline = backend.realNow() + Int64(timeoutSeconds * 1000)
        var data: JSONObject = ["probe": "range", "source": .string(backend.label), "map": .string(map.origin), "step_seconds": .int(step),
                                "from": .string(from.iso8601), "to": .string(to.iso8601)]
        var queries = JSONObject()
        var series = JSONObject()
        var problems: [String] = []
        for figure in [MetricsMap.Figure.errorRate, .requestRate] {
            guard let query = map.promQL(figure, windowSeconds: step) else {
                problems.append("the map defines no \(figure.rawValue)")
                continue
            }
            queries[figure.rawValue] = .string(query)
            do {
                let points = try backend.range(query, from: from, to: to, step: step, deadline: deadline).first?.points ?? []
                series[figure.rawValue] = .array(points.filter(\.value.isFinite).map { .array([.number($0.at.seconds), .number($0.value)]) })
            } catch let error as MetricsError {
                // The backend is down or out of time: the other figure would say the same.
                problems.append(stated(error).description)
                break
            } catch {
                problems.append(String(describing: error))
            }
        }
        data["queries"] = .object(queries)
        data["series"] = .object(series)
        let period = "\(from.clockSeconds)–\(to.clockSeconds)"
        if !problems.isEmpty {
            data["available"] = false
            data["reason"] = .string(problems.joined(separator: "; "))
            return ("Prometheus's range over the incident (\(period)) could not be read: \(problems.joined(separator: "; "))", data)
        }
        return ("Error rate and traffic over the incident (\(period)), every \(ProbeWindow.seconds(Double(step))), from \(label): kept for the postmortem's chart", data)
    }
}
