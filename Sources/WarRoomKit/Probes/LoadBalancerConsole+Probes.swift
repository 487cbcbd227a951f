extension LoadBalancerConsole {
    /// Runs `probe KIND [ARGS]`, written once over `LoadBalancerTarget`.
    /// - Parameters:
    ///   - kind: `health`, `distribution`, `latency`, `errors`, `traffic`, `config`, `backend`, `db`, `network`.
    ///   - args: the words after the kind (`backend` takes a server name).
    ///   - now: the incident clock's time.
    /// - Returns: aligned text, and metrics under the SPEC's names.
    /// - Throws: `ConsoleError.unknownProbe` (with a "did you mean"), `ConsoleError.usage`,
    ///   `TargetError.unknownServer`, or `TargetError.unsupported` when the target cannot answer.
    public func probe(kind name: String, args: [String] = [], at now: Instant) throws -> ProbeResult {
        guard let kind = ProbeKind(rawValue: name) else { throw ConsoleError.unknownProbe(name) }
        try sync(at: now)
        if kind == .backend {
            guard args.count == 1 else { throw ConsoleError.usage("probe backend NAME") }
        } else if !args.isEmpty {
            throw ConsoleError.usage("probe \(kind.rawValue) (takes no arguments)")
        }
        switch kind {
        case .health: return try health(at: now)
        case .distribution: return try distribution(at: now)
        case .latency: return try latency(at: now)
        case .errors: return try errors(at: now)
        case .traffic: return try traffic(at: now)
        case .config: return config(at: now)
        case .backend: return try backendProbe(try backend(args[0]), at: now)
        case .db: return try database(at: now)
        case .network: return try network(at: now)
        }
    }

    /// A probe metric at `now`, read exactly as the probe reads it (monitoring's alert rules
    /// watch the same figures responders see); `nil` when the probe has no such figure.
    func metricValue(_ rule: AlertRule, at now: Instant) throws -> Double? {
        if rule.probe == ProbeKind.errors.rawValue, target is SimulatedTarget {
            // The figures `probe errors` prints, without the 30-minute sparkline it draws
            // (evaluated every 15 s over a long `advance`, the sparkline would dominate).
            try sync(at: now)
            let reading = try target.errors(at: now, minutes: 0)
            switch rule.metric {
            case "error_rate": return reading.errorRate
            case "timeout_rate": return reading.timeoutRate
            default: break
            }
        }
        return try probe(kind: rule.probe, at: now).metrics[rule.metric]?.doubleValue
    }

    func health(at now: Instant) throws -> ProbeResult {
        let snapshot = try target.snapshot(at: now)
        lastSnapshot = snapshot
        var counts = (up: 0, down: 0, drain: 0, maint: 0)
        var rows: [[String]] = []
        for server in snapshot.servers {
            if server.status.hasPrefix("UP") { counts.up += 1 } else if server.status.hasPrefix("DOWN") { counts.down += 1 } else if server.status.hasPrefix("DRAIN") {
                counts.drain += 1
            } else if server.status.hasPrefix("MAINT") { counts.maint += 1 }
            let since = now - Int64(server.lastchg) * 1000
            rows.append([server.name, server.status, server.checkStatus.isEmpty ? "-" : server.checkStatus, String(server.chkfail),
                         "\(since.clockSeconds) (\(DurationText.format(milliseconds: Int64(server.lastchg) * 1000)) ago)"])
        }
        let title = "Health at \(now.clockSeconds): \(counts.up) up, \(counts.down) down, \(counts.drain) drain, \(counts.maint) maint"
        let table = TextFormat.table(header: ["BACKEND", "STATUS", "LAST CHECK", "CHECKS FAILED", "SINCE"], rows: rows,
                                     alignments: [.left, .left, .left, .right, .left])
        return ProbeResult(kind: .health, text: title + "\n" + table,
                           metrics: ["backends_up": .int(counts.up), "backends_down": .int(counts.down)])
    }

    func distribution(at now: Instant) throws -> ProbeResult {
        let snapshot = try target.snapshot(at: now)
        var loads: [ServerLoad]
        var utilizationKnown = true
        var window = "over the last minute"
        do {
            loads = try target.load(at: now)
        } catch TargetError.unsupported {
            // Shares from the requests each server took since the last reading (HAProxy's `stot`
            // counts since it started), not from `rate`, which covers only the last second and is
            // empty unless traffic flows at that very moment. A counter that went back means the
            // load balancer restarted: everything it counted is new.
            utilizationKnown = false
            let previous = lastSnapshot.flatMap { before -> TargetSnapshot? in
                let restarted = snapshot.servers.contains { server in server.stot < (before.servers.first { $0.name == server.name }?.stot ?? 0) }
                return restarted ? nil : before
            }
            let served = snapshot.servers.map { server in Double(server.stot - (previous?.servers.first { $0.name == server.name }?.stot ?? 0)) }
            let seconds = previous.map { Double(now - $0.at) / 1000 } ?? 0
            window = previous.map { "since the last reading, \(DurationText.format(milliseconds: now - $0.at)) ago" } ?? "since the load balancer started"
            let total = served.reduce(0, +)
            loads = zip(snapshot.servers, served).map { server, count in
                ServerLoad(name: server.name, share: total > 0 ? count / total : 0, utilization: 0, requestRate: seconds >= 1 ? count / seconds : server.rate, errorRate: 0)
            }
        }
        lastSnapshot = snapshot
        let inRotation = snapshot.servers.filter { $0.status.hasPrefix("UP") && $0.weight > 0 }.count
        let largest = loads.max { $0.share < $1.share }
        let skew = inRotation > 0 ? (largest?.share ?? 0) * Double(inRotation) : 0
        let busiest = loads.max { $0.utilization < $1.utilization }
        let maxShare = max(largest?.share ?? 0, 1e-12)
        var rows: [[String]] = []
        for load in loads {
            let weight = snapshot.servers.first { $0.name == load.name }?.weight ?? 0
            rows.append([load.name, String(weight), TextFormat.percent(load.share), TextFormat.count(load.requestRate),
                         utilizationKnown ? TextFormat.percent(load.utilization) : "-", TextFormat.bar(load.share / maxShare)])
        }
        var text = "Distribution \(window) (\(current.configuration.algorithm?.rawValue ?? "algorithm unknown"))\n"
        text += TextFormat.table(header: ["BACKEND", "WEIGHT", "SHARE", "REQ/S", "UTIL", ""], rows: rows,
                                 alignments: [.left, .right, .right, .right, .right, .left])
        text += "\nskew \(String(format: "%.2f", skew))× fair share (\(inRotation) in rotation)"
        var metrics: JSONObject = ["skew": .number(skew)]
        if utilizationKnown, let busiest {
            text += " · max utilization \(TextFormat.percent(busiest.utilization)) (\(busiest.name))"
            metrics["max_utilization"] = .number(busiest.utilization)
        } else {
            text += " · utilization: \(target.label) does not report capacity"
        }
        return ProbeResult(kind: .distribution, text: text, metrics: metrics)
    }

    func latency(at now: Instant) throws -> ProbeResult {
        let reading = try target.latency(at: now)
        func cells(_ p: LatencyPercentiles?) -> [String] {
            guard let p else { return ["-", "-", "-"] }
            return [TextFormat.milliseconds(p.p50), TextFormat.milliseconds(p.p95), TextFormat.milliseconds(p.p99)]
        }
        var rows = [["all"] + cells(reading.overall)]
        for server in reading.servers { rows.append([server.name] + cells(server.percentiles)) }
        let text = "Latency at \(now.clockSeconds) (last second; timeouts count at the timeout)\n"
            + TextFormat.table(header: ["BACKEND", "P50", "P95", "P99"], rows: rows, alignments: [.left, .right, .right, .right])
        var metrics: JSONObject = [:]
        if let overall = reading.overall {
            metrics["p50_ms"] = .number(overall.p50)
            metrics["p99_ms"] = .number(overall.p99)
        }
        return ProbeResult(kind: .latency, text: text, metrics: metrics)
    }

    func errors(at now: Instant) throws -> ProbeResult {
        let reading: ErrorReading
        var note = ""
        do {
            reading = try target.errors(at: now, minutes: 30)
        } catch TargetError.unsupported {
            // From HAProxy's cumulative counters: the change since the last reading.
            let snapshot = try target.snapshot(at: now)
            let previous = lastSnapshot
            lastSnapshot = snapshot
            func sums(_ s: TargetSnapshot?) -> (requests: Double, timeouts: Double, errors: Double) {
                guard let s else { return (0, 0, 0) }
                return s.servers.reduce((0, 0, 0)) { ($0.0 + Double($1.stot), $0.1 + Double($1.eresp), $0.2 + Double($1.hrsp5xx + $1.econ)) }
            }
            let (a, b) = (sums(previous), sums(snapshot))
            let requests = max(0, b.requests - a.requests)
            let timeouts = max(0, b.timeouts - a.timeouts)
            let fivexx = max(0, b.errors - a.errors)
            let seconds = previous.map { Int((now - $0.at) / 1000) } ?? 0
            note = previous == nil ? " (since the load balancer started)" : " (since the last reading, \(seconds)s ago)"
            reading = ErrorReading(windowSeconds: seconds, requests: requests, errorRate: requests > 0 ? (timeouts + fivexx) / requests : 0,
                                   timeoutRate: requests > 0 ? timeouts / requests : 0, serverErrorRate: requests > 0 ? fivexx / requests : 0, series: [])
        }
        var text = "Errors at \(now.clockSeconds)\(note.isEmpty ? " over the last \(reading.windowSeconds)s" : note): "
        text += "\(TextFormat.percent(reading.errorRate)) of \(TextFormat.count(reading.requests)) requests failed\n"
        text += TextFormat.table(header: ["", "RATE"], rows: [["errors", TextFormat.percent(reading.errorRate)],
                                                            ["timeouts", TextFormat.percent(reading.timeoutRate)],
                                                            ["5xx", TextFormat.percent(reading.serverErrorRate)]],
                                 alignments: [.left, .right])
        if reading.series.isEmpty {
            text += "\nlast 30 min: no history from \(target.label)"
        } else {
            let values = reading.series.map(\.errorRate)
            let peak = values.max() ?? 0
            let line = TextFormat.sparkline(values, maximum: max(peak, 0.01))
            text += "\nlast 30 min  \(line)  peak \(TextFormat.percent(peak))"
            if let first = reading.series.first {
                let gap = String(repeating: " ", count: max(1, line.count - 12))
                text += "\n             \((first.at - 60_000).clockMinutes)\(gap)\(now.clockMinutes)"
            }
        }
        return ProbeResult(kind: .errors, text: text,
                           metrics: ["error_rate": .number(reading.errorRate), "timeout_rate": .number(reading.timeoutRate)])
    }

    func traffic(at now: Instant) throws -> ProbeResult {
        let reading = try target.traffic(at: now)
        let ratio = reading.baselineRate > 0 ? reading.requestRate / reading.baselineRate : 0
        let top = reading.topSources.first.map { reading.requestRate > 0 ? $0.rate / reading.requestRate : 0 } ?? 0
        var text = "Traffic at \(now.clockSeconds): \(TextFormat.rate(reading.requestRate)) against a baseline of \(TextFormat.rate(reading.baselineRate))"
        text += " (ratio \(String(format: "%.2f", ratio)))\n"
        text += "attempts sent to servers: \(TextFormat.rate(reading.attemptRate)) (retries included) · \(TextFormat.count(Double(reading.sources))) distinct client networks\n"
        let rows = reading.topSources.map { [$0.network, TextFormat.count($0.rate), TextFormat.percent(reading.requestRate > 0 ? $0.rate / reading.requestRate : 0)] }
        text += TextFormat.table(header: ["TOP SOURCE", "REQ/S", "SHARE"], rows: rows, alignments: [.left, .right, .right])
        return ProbeResult(kind: .traffic, text: text,
                           metrics: ["request_rate": .number(reading.requestRate), "baseline_ratio": .number(ratio), "top_source_share": .number(top)])
    }

    func config(at now: Instant) -> ProbeResult {
        let version = current
        let minutes = Double(now - version.at) / 60_000
        var text = "Configuration version \(version.number), by \(version.by) at \(version.at.clockSeconds)"
        text += " (\(DurationText.format(milliseconds: max(0, now - version.at))) ago)\(version.note.map { ": \($0)" } ?? "")\n"
        text += "algorithm \(version.configuration.algorithm?.rawValue ?? "unknown") · rate limit \(LoadBalancerConfiguration.rateText(version.configuration.rateLimit))\n"
        if !version.changes.isEmpty {
            text += "changed: " + version.changes.prefix(5).joined(separator: "; ") + (version.changes.count > 5 ? "; … (\(version.changes.count) changes)" : "") + "\n"
        }
        text += TextFormat.table(header: ["BACKEND", "WEIGHT", "STATE"],
                                 rows: version.configuration.servers.map { [$0.name, String($0.weight), $0.state.rawValue] },
                                 alignments: [.left, .right, .left])
        return ProbeResult(kind: .config, text: text, metrics: ["minutes_since_change": .number(max(0, minutes))])
    }

    func backendProbe(_ name: String, at now: Instant) throws -> ProbeResult {
        var lines: [[String]] = []
        let stats: ServerStats
        var detail: ServerDetail?
        do {
            detail = try target.serverDetail(name, at: now)
            stats = detail!.stats
        } catch TargetError.unsupported {
            guard let found = try target.snapshot(at: now).servers.first(where: { $0.name == name }) else {
                throw TargetError.unknownServer(name: name, known: backendNames)
            }
            stats = found
        }
        lines.append(["status", "\(stats.status) (last check \(stats.checkStatus.isEmpty ? "-" : stats.checkStatus), \(stats.chkfail) failed, since \((now - Int64(stats.lastchg) * 1000).clockSeconds))"])
        lines.append(["weight", String(stats.weight)])
        lines.append(["requests", "\(TextFormat.rate(stats.rate)) now, \(TextFormat.count(Double(stats.stot))) in total"])
        lines.append(["sessions", "\(stats.scur) in flight, \(stats.qcur) queued"])
        lines.append(["errors", "\(TextFormat.count(Double(stats.hrsp5xx))) 5xx, \(TextFormat.count(Double(stats.eresp))) timeouts, \(TextFormat.count(Double(stats.econ))) connection errors (since start)"])
        lines.append(["response time", "\(stats.rtime) ms average, \(stats.ttime) ms total"])
        if let detail {
            lines.append(["capacity", "\(TextFormat.rate(detail.capacity)), utilization \(TextFormat.percent(detail.utilization))"])
            if let p = detail.latency {
                lines.append(["latency", "p50 \(TextFormat.milliseconds(p.p50)), p95 \(TextFormat.milliseconds(p.p95)), p99 \(TextFormat.milliseconds(p.p99))"])
            }
            lines.append(["users", "\(TextFormat.percent(detail.userShare)) mapped here"])
            lines.append(["last check", TextFormat.milliseconds(detail.lastCheckMilliseconds)])
            if !detail.errorSeries.isEmpty {
                let peak = detail.errorSeries.max() ?? 0
                lines.append(["errors, 30 min", "\(TextFormat.sparkline(detail.errorSeries, maximum: max(peak, 0.01)))  peak \(TextFormat.percent(peak))"])
            }
        }
        let text = "Backend \(name) at \(now.clockSeconds)\n" + TextFormat.table(header: ["", ""], rows: lines).split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
        return ProbeResult(kind: .backend, args: [name], text: text, metrics: [:])
    }

    func database(at now: Instant) throws -> ProbeResult {
        let reading = try target.dependencies(at: now)
        let text = "Database at \(now.clockSeconds)\n" + TextFormat.table(
            header: ["", "NOW", "NORMAL"],
            rows: [["latency", TextFormat.milliseconds(reading.now.databaseLatency), TextFormat.milliseconds(reading.normal.databaseLatency)],
                   ["error rate", TextFormat.percent(reading.now.databaseErrorRate), TextFormat.percent(reading.normal.databaseErrorRate)]],
            alignments: [.left, .right, .right])
        return ProbeResult(kind: .db, text: text,
                           metrics: ["latency_ms": .number(reading.now.databaseLatency), "error_rate": .number(reading.now.databaseErrorRate)])
    }

    func network(at now: Instant) throws -> ProbeResult {
        let reading = try target.dependencies(at: now)
        let text = "Network (load balancer ↔ backends) at \(now.clockSeconds)\n" + TextFormat.table(
            header: ["", "NOW", "NORMAL"],
            rows: [["round trip", TextFormat.milliseconds(reading.now.networkRTT), TextFormat.milliseconds(reading.normal.networkRTT)],
                   ["loss", TextFormat.percent(reading.now.networkLoss), TextFormat.percent(reading.normal.networkLoss)]],
            alignments: [.left, .right, .right])
        return ProbeResult(kind: .network, text: text, metrics: ["rtt_ms": .number(reading.now.networkRTT), "loss": .number(reading.now.networkLoss)])
    }
}
