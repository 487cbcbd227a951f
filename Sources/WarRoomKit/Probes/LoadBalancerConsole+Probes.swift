extension LoadBalancerConsole {
    /// Runs `probe KIND [ARGS] [--window D] [--all]`, written once over `LoadBalancerTarget`.
    ///
    /// Every rate is over one stated window (`--window`, 60s by default) taken from the target's
    /// history, never over the time since the previous probe; a probe taken before the history
    /// reaches back that far says how much it covers. Tables fold runs of identical servers
    /// into one row unless `--all`. A probe the target cannot answer at all (`db` and `network`
    /// against HAProxy) returns a result that says so and what to use instead, with every
    /// metric listed as unavailable, rather than failing.
    /// - Parameters:
    ///   - kind: `health`, `distribution`, `latency`, `errors`, `traffic`, `config`, `backend`, `db`, `network`.
    ///   - args: the words after the kind (`backend` takes a server name) and the options.
    ///   - now: the incident clock's time.
    /// - Returns: aligned text, and metrics under the SPEC's names.
    /// - Throws: `ConsoleError.unknownProbe` (with a "did you mean"), `ConsoleError.usage`,
    ///   `ConsoleError.badWindow`, `TargetError.unknownServer`, or what the target throws when
    ///   it cannot be read.
    public func probe(kind name: String, args: [String] = [], at now: Instant) throws -> ProbeResult {
        guard let kind = ProbeKind(rawValue: name) else { throw ConsoleError.unknownProbe(name) }
        do {
            try sync(at: now)
        } catch where !targetRecordsChanges && kind == .config {
            // The configuration's versions are on the record: told while the load balancer is away.
            var result = config(try ProbeOptions(args, usage: "probe config"), at: now)
            result.text = "\(target.label) cannot be read now (\(error)): the configuration as recorded\n" + result.text
            return result
        }
        let usage = kind == .backend ? "probe backend NAME [--window D]" : "probe \(kind.rawValue) [--window D] [--all]"
        let options = try ProbeOptions(args, usage: usage)
        if options.showQuery {
            throw ConsoleError.usage("\(usage)  (--show-query prints the PromQL of probes read from Prometheus: start with --metrics prometheus:URL)")
        }
        if kind == .backend {
            guard options.words.count == 1 else { throw ConsoleError.usage(usage) }
        } else if !options.words.isEmpty {
            throw ConsoleError.usage("\(usage)  (takes no other arguments)")
        }
        var result: ProbeResult
        do {
            switch kind {
            case .health: result = try health(options, at: now)
            case .distribution: result = try distribution(options, at: now)
            case .latency: result = try latency(options, at: now)
            case .errors: result = try errors(options, at: now)
            case .traffic: result = try traffic(options, at: now)
            case .config: result = config(options, at: now)
            case .backend: result = try backendProbe(try backend(options.words[0]), options, at: now)
            case .db: result = try database(at: now)
            case .network: result = try network(at: now)
            }
        } catch TargetError.unsupported(let label, let what) {
            let reason = "\(label) cannot provide \(what)"
            let text = "probe \(kind.rawValue): not available from \(label): it cannot provide \(what).\n\(Self.instead[kind] ?? "")"
            result = ProbeResult.unanswerable(kind, args: args, reason: reason, text: text)
        }
        result.args = args
        return result
    }

    /// What to use when the target cannot answer a probe.
    static let instead: [ProbeKind: String] = [
        .db: "The database is behind the servers: check it with its own monitoring or a shell command (e.g. !psql -c 'select 1'); a slow or failing database shows here as slower responses in probe latency and 5xx in probe errors.",
        .network: "Check the path from the load balancer host (e.g. !ping -c 5 SERVER, !mtr SERVER); lost or refused connections show here as connection failures in probe errors, per server in probe backend NAME.",
        .latency: "probe backend NAME shows a server's response and session times as the load balancer reports them.",
        .traffic: "probe distribution shows each server's requests over the window.",
        .distribution: "probe health shows each server's state now.",
        .errors: "probe backend NAME shows a server's error counters since the load balancer started.",
    ]

    /// The target's figures over the window, or `nil` when it keeps no history (other errors are thrown).
    func optionalWindow(seconds: Int, at now: Instant) throws -> LoadBalancerWindow? {
        do {
            return try target.window(at: now, seconds: seconds)
        } catch TargetError.unsupported {
            return nil
        }
    }

    /// A probe metric at `now`, read exactly as the probe reads it (monitoring's alert rules
    /// watch the same figures responders see); `nil` when the probe has no such figure.
    func metricValue(_ rule: AlertRule, at now: Instant) throws -> Double? {
        if rule.probe == ProbeKind.errors.rawValue {
            // The figures `probe errors` prints over its default window, without the tables and
            // the 30-minute sparkline it draws (evaluated every 15 s over a long `advance`).
            try sync(at: now)
            let pool = try target.window(at: now, seconds: ProbeWindow.defaultSeconds).pool
            switch rule.metric {
            case "error_rate": return pool.errorRate
            case "timeout_rate": return pool.timeoutRate
            default: break
            }
        }
        return try probe(kind: rule.probe, at: now).metrics[rule.metric]?.doubleValue
    }

    // MARK: - health

    func health(_ options: ProbeOptions, at now: Instant) throws -> ProbeResult {
        let snapshot = try target.snapshot(at: now)
        let reading = try optionalWindow(seconds: options.windowSeconds, at: now)
        var counts = (up: 0, failing: 0, down: 0, drain: 0, maint: 0, other: 0)
        var rows: [[String]] = []
        for server in snapshot.servers {
            let status = server.status
            if status == "UP" { counts.up += 1 } else if status.hasPrefix("UP") { counts.failing += 1 } else if status.hasPrefix("DOWN") {
                counts.down += 1
            } else if status.hasPrefix("DRAIN") { counts.drain += 1 } else if status.hasPrefix("MAINT") { counts.maint += 1 } else { counts.other += 1 }
            let since = now - Int64(server.lastchg) * 1000
            var row = [server.name, server.statusText, server.checkStatus.isEmpty ? "-" : server.checkStatus,
                       "\(since.clockSeconds) (\(Self.seconds(Double(server.lastchg))) ago)"]
            if let window = reading?.server(server.name) {
                row += [TextFormat.count(window.checksFailed), TextFormat.count(window.downs), Self.seconds(window.downtimeSeconds)]
            } else {
                row += [TextFormat.count(Double(server.chkfail)), TextFormat.count(Double(server.chkdown)), Self.seconds(Double(server.downtime))]
            }
            rows.append(row)
        }
        var title = "Health at \(now.clockSeconds): \(counts.up) up, \(counts.failing) up but failing checks (UP n/m), \(counts.down) down, "
            + "\(counts.drain) drain, \(counts.maint) maint"
        if counts.other > 0 { title += ", \(counts.other) other" }
        let span = reading == nil ? "since the load balancer started" : "over the window"
        var lines = [title]
        var metrics: JSONObject = ["backends_up": .int(counts.up + counts.failing), "backends_down": .int(counts.down),
                                   "backends_failing_checks": .int(counts.failing)]
        if let reading {
            let checks = reading.servers.reduce(0) { $0 + $1.checksFailed }
            let downs = reading.servers.reduce(0) { $0 + $1.downs }
            lines.append("\(reading.window.text): \(TextFormat.count(checks)) checks failed, \(TextFormat.count(downs)) times a server went DOWN")
            lines.append(queueLine(reading))
            metrics["checks_failed"] = .number(checks)
            metrics["downs"] = .number(downs)
            metrics["queued"] = .number(reading.queued)
        }
        lines.append("STATUS and LAST CHECK are now; CHECKS FAILED, DOWN (times it went down) and DOWNTIME are \(span)")
        let table = TextFormat.collapsedTable(header: ["BACKEND", "STATUS", "LAST CHECK", "SINCE", "CHECKS FAILED", "DOWN", "DOWNTIME"], rows: rows,
                                              alignments: [.left, .left, .left, .left, .right, .right, .right], all: options.all)
        return ProbeResult(kind: .health, text: lines.joined(separator: "\n") + "\n" + table.text + TextFormat.foldedNote(table.folded),
                           metrics: metrics, window: reading?.window)
    }

    /// `backend queue: 142 now · 37 timed out in the queue over the window`.
    func queueLine(_ reading: LoadBalancerWindow) -> String {
        var line = "backend queue: \(TextFormat.count(reading.queued)) waiting now"
        if let queueTimeouts = reading.pool.queueTimeouts {
            line += " · \(TextFormat.count(queueTimeouts)) timed out in the queue over the window"
        } else {
            line += " · \(TextFormat.count(reading.pool.timeouts)) timed out over the window"
        }
        return line
    }

    /// `0s`, `12s`, `3m 05s`.
    static func seconds(_ value: Double) -> String {
        ProbeWindow.seconds(value.rounded())
    }

    // MARK: - distribution

    func distribution(_ options: ProbeOptions, at now: Instant) throws -> ProbeResult {
        let reading = try target.window(at: now, seconds: options.windowSeconds)
        let snapshot = try target.snapshot(at: now)
        let covered = reading.window.coveredSeconds
        let total = reading.attempts
        let inRotation = snapshot.servers.filter { $0.status.hasPrefix("UP") && $0.weight > 0 }.count
        let shares = reading.servers.map { total > 0 ? $0.requests / total : 0 }
        let largest = shares.max() ?? 0
        let skew = inRotation > 0 ? largest * Double(inRotation) : 0
        let utilizationKnown = reading.servers.allSatisfy { $0.utilization != nil }
        var rows: [[String]] = []
        for (server, share) in zip(reading.servers, shares) {
            let weight = snapshot.servers.first { $0.name == server.name }?.weight ?? 0
            rows.append([server.name, String(weight), TextFormat.percent(share), TextFormat.count(covered > 0 ? server.requests / covered : 0),
                         server.utilization.map(TextFormat.percent) ?? "-", TextFormat.percent(server.errorRate),
                         TextFormat.bar(largest > 0 ? share / largest : 0)])
        }
        var text = "Distribution \(reading.window.text) · \(current.configuration.algorithm?.rawValue ?? "algorithm unknown") · "
            + "\(TextFormat.count(total)) attempts\n"
        text += "WEIGHT is now; SHARE, REQ/S, UTIL (offered load over capacity, on average) and ERRORS (failed attempts) are over the window\n"
        let table = TextFormat.collapsedTable(header: ["BACKEND", "WEIGHT", "SHARE", "REQ/S", "UTIL", "ERRORS", ""], rows: rows,
                                              alignments: [.left, .right, .right, .right, .right, .right, .left], all: options.all)
        text += table.text + TextFormat.foldedNote(table.folded)
        text += "\nskew \(String(format: "%.2f", skew))× fair share (largest share × \(inRotation) servers in rotation now)"
        var metrics: JSONObject = ["skew": .number(skew), "attempts": .number(total.rounded())]
        var unavailable: [String] = []
        if utilizationKnown, let busiest = reading.servers.max(by: { ($0.utilization ?? 0) < ($1.utilization ?? 0) }), let value = busiest.utilization {
            text += " · max utilization \(TextFormat.percent(value)) (\(busiest.name))"
            metrics["max_utilization"] = .number(value)
        } else {
            text += " · utilization: \(target.label) does not know the servers' capacity (set maxconn on them)"
            unavailable.append("max_utilization")
        }
        return ProbeResult(kind: .distribution, text: text, metrics: metrics, window: reading.window, unavailable: unavailable)
    }

    // MARK: - latency

    func latency(_ options: ProbeOptions, at now: Instant) throws -> ProbeResult {
        let reading = try target.latency(at: now)
        var metrics: JSONObject = [:]
        var unavailable: [String] = []
        var text: String
        if let backendTimes = reading.backendTimes {
            // What a request waited for its answer is queue + connect + response; HAProxy's ttime is
            // the whole session, keep-alive idle time between requests included (3.9 s shown
            // while users waited 21 ms), so it is shown apart and named for what it is.
            func cells(_ t: AverageTimes) -> [String] {
                [t.name, TextFormat.milliseconds(t.queue), TextFormat.milliseconds(t.connect), TextFormat.milliseconds(t.response),
                 TextFormat.milliseconds(t.queue + t.connect + t.response), TextFormat.milliseconds(t.total)]
            }
            text = "Latency at \(now.clockSeconds): \(reading.basis)\n"
            let table = TextFormat.collapsedTable(header: ["", "QUEUE", "CONNECT", "RESPONSE", "WAITED", "SESSION"], rows: [cells(backendTimes)] + reading.serverTimes.map(cells),
                                                  alignments: [.left, .right, .right, .right, .right, .right], all: options.all)
            text += table.text + TextFormat.foldedNote(table.folded)
            text += "\n(qtime, ctime, rtime; WAITED is their sum, what a request waited for its answer; SESSION is ttime, the whole session"
                + " including keep-alive idle time between requests, not waiting; no percentiles: HAProxy keeps averages, not a distribution)"
            metrics = ["queue_ms": .number(backendTimes.queue), "connect_ms": .number(backendTimes.connect),
                       "response_ms": .number(backendTimes.response), "waited_ms": .number(backendTimes.queue + backendTimes.connect + backendTimes.response),
                       "total_ms": .number(backendTimes.total)]
            unavailable = ["p50_ms", "p99_ms"]
        } else {
            func cells(_ p: LatencyPercentiles?) -> [String] {
                guard let p else { return ["-", "-", "-"] }
                return [TextFormat.milliseconds(p.p50), TextFormat.milliseconds(p.p95), TextFormat.milliseconds(p.p99)]
            }
            var rows = [["all"] + cells(reading.overall)]
            for server in reading.servers { rows.append([server.name] + cells(server.percentiles)) }
            text = "Latency \(reading.basis) at \(now.clockSeconds) (timeouts count at the timeout)\n"
            if options.windowGiven {
                // Said, not silently dropped: the simulation's latency is the last second's.
                text += "(--window does not apply: \(target.label) gives latency percentiles for the last second only)\n"
            }
            let table = TextFormat.collapsedTable(header: ["BACKEND", "P50", "P95", "P99"], rows: rows, alignments: [.left, .right, .right, .right], all: options.all)
            text += table.text + TextFormat.foldedNote(table.folded)
            if let overall = reading.overall {
                metrics["p50_ms"] = .number(overall.p50)
                metrics["p99_ms"] = .number(overall.p99)
            }
        }
        return ProbeResult(kind: .latency, text: text, metrics: metrics, unavailable: unavailable)
    }

    // MARK: - errors

    func errors(_ options: ProbeOptions, at now: Instant) throws -> ProbeResult {
        let reading = try target.window(at: now, seconds: options.windowSeconds)
        let pool = reading.pool
        var text = "Errors \(reading.window.text): \(TextFormat.percent(pool.errorRate)) of \(TextFormat.count(pool.requests)) requests failed\n"
        var rows: [[String]] = [["errors", TextFormat.percent(pool.errorRate), TextFormat.count(pool.errors)]]
        if let queue = pool.queueTimeouts {
            rows.append(["  timeouts in the queue", TextFormat.percent(pool.rate(queue)), TextFormat.count(queue)])
            rows.append(["  server timeouts", TextFormat.percent(pool.rate(pool.timeouts - queue)), TextFormat.count(pool.timeouts - queue)])
        } else {
            rows.append(["  timeouts", TextFormat.percent(pool.timeoutRate), TextFormat.count(pool.timeouts)])
        }
        rows.append(["  5xx from servers", TextFormat.percent(pool.rate(pool.serverErrors)), TextFormat.count(pool.serverErrors)])
        rows.append(["  connection failures", TextFormat.percent(pool.rate(pool.connectionErrors)), TextFormat.count(pool.connectionErrors)])
        rows.append(["  no server available", TextFormat.percent(pool.rate(pool.noServer)), TextFormat.count(pool.noServer)])
        if pool.limited > 0 { rows.append(["  rate limited (429)", TextFormat.percent(pool.rate(pool.limited)), TextFormat.count(pool.limited)]) }
        if pool.other > 0 { rows.append(["  other 5xx from HAProxy", TextFormat.percent(pool.rate(pool.other)), TextFormat.count(pool.other)]) }
        text += TextFormat.table(header: ["", "RATE", "REQUESTS"], rows: rows, alignments: [.left, .right, .right])
        var extras: [String] = []
        if let retries = reading.retries { extras.append("\(TextFormat.count(retries)) retries") }
        if let redispatches = reading.redispatches { extras.append("\(TextFormat.count(redispatches)) redispatched to another server") }
        if !extras.isEmpty { text += "\nalso over the window: " + extras.joined(separator: ", ") + " (attempts, not extra failures)" }
        if let frontend = reading.frontend {
            text += "\nfrontend \(frontend.name), same window: \(TextFormat.percent(frontend.errorRate)) of \(TextFormat.count(frontend.requests)) requests answered 5xx (req_tot, hrsp_5xx)"
        }
        text += "\n" + sparkline(at: now)

        // Per server, over the same window.
        var serverRows: [[String]] = []
        for server in reading.servers {
            serverRows.append([server.name, TextFormat.count(server.requests), TextFormat.percent(server.errorRate)])
        }
        let table = TextFormat.collapsedTable(header: ["BACKEND", "ATTEMPTS", "FAILED"], rows: serverRows, alignments: [.left, .right, .right], all: options.all)
        text += "\nper server over the window (attempts, retries included):\n" + table.text + TextFormat.foldedNote(table.folded)

        var metrics: JSONObject = [
            "error_rate": .number(pool.errorRate), "timeout_rate": .number(pool.timeoutRate), "server_error_rate": .number(pool.rate(pool.serverErrors)),
            "connection_error_rate": .number(pool.rate(pool.connectionErrors)), "no_server_rate": .number(pool.rate(pool.noServer)),
            "requests": .number(pool.requests.rounded()),
        ]
        if let queue = pool.queueTimeouts { metrics["queue_timeout_rate"] = .number(pool.rate(queue)) }
        if pool.limited > 0 { metrics["limited_rate"] = .number(pool.rate(pool.limited)) }
        if let affected = try? target.usersAffected(at: now) {
            metrics["users_affected"] = .number((affected * 10_000).rounded() / 10_000)
            text += "\nusers affected since \(versions[0].at.clockSeconds): \(TextFormat.percent(affected)) "
                + "(users who had a request fail because of the incident; failures at the normal background rate do not count)"
        }
        return ProbeResult(kind: .errors, text: text, metrics: metrics, window: reading.window)
    }

    /// `last 30 min  ▁▁▁▇██  peak 11.3%` with the times under it, or what little history there is.
    func sparkline(at now: Instant) -> String {
        let series: ErrorSeries
        do {
            series = try target.errorSeries(at: now, minutes: 30)
        } catch {
            return "last 30 min: no history from \(target.label)"
        }
        guard let first = series.points.first else { return "last 30 min: no whole minute in the history yet" }
        let values = series.points.map(\.errorRate)
        let peak = values.max() ?? 0
        let line = TextFormat.sparkline(values, maximum: max(peak, 0.01))
        let label = series.points.count >= series.minutes ? "last \(series.minutes) min" : "last \(series.points.count) min"
        let prefix = label + String(repeating: " ", count: max(2, 13 - label.count))
        var text = "\(prefix)\(line)  peak \(TextFormat.percent(peak)) (per minute)"
        let gap = String(repeating: " ", count: max(1, line.count - 12))
        text += "\n" + String(repeating: " ", count: prefix.count) + "\((first.at - 60_000).clockMinutes)\(gap)\(now.clockMinutes)"
        return text
    }

    // MARK: - traffic

    func traffic(_ options: ProbeOptions, at now: Instant) throws -> ProbeResult {
        let reading = try target.traffic(at: now, seconds: options.windowSeconds)
        var text = "Traffic \(reading.window.text): \(TextFormat.rate(reading.requestRate)) (\(reading.counted))"
        var metrics: JSONObject = ["request_rate": .number(reading.requestRate)]
        var unavailable: [String] = []
        if let baseline = reading.baselineRate {
            let ratio = baseline > 0 ? reading.requestRate / baseline : 0
            text += "\nbaseline at this time: \(TextFormat.rate(baseline)) (ratio \(String(format: "%.2f", ratio)))"
            metrics["baseline_ratio"] = .number(ratio)
        } else {
            unavailable.append("baseline_ratio")
        }
        if let peak = reading.peakRate, let at = reading.peakAt {
            let ratio = peak > 0 ? reading.requestRate / peak : 0
            text += "\nbusiest minute of the last \(reading.historyMinutes) min: \(TextFormat.rate(peak)) (minute to \(at.clockMinutes)); now at \(String(format: "%.2f", ratio))× that peak"
            metrics["peak_ratio"] = .number(ratio)
        } else {
            text += "\nno whole minute of history yet to compare with"
        }
        if reading.lastSecondRate != nil || reading.maximumRate != nil {
            var own: [String] = []
            if let rate = reading.lastSecondRate { own.append("\(TextFormat.rate(rate)) in the last second") }
            if let rate = reading.maximumRate { own.append("at most \(TextFormat.rate(rate)) in one second since it started") }
            text += "\n\(target.label) itself: " + own.joined(separator: ", ")
        }
        if let attempts = reading.attemptRate {
            text += "\nattempts sent to servers: \(TextFormat.rate(attempts)) (retries included)"
        }
        if let sources = reading.sources { text += " · \(TextFormat.count(Double(sources))) distinct client networks" }
        if reading.topSources.isEmpty {
            unavailable.append("top_source_share")
            if reading.sources == nil { text += "\nclient sources: \(target.label) does not keep them (they would need stick tables)" }
        } else {
            let top = reading.requestRate > 0 ? (reading.topSources.first?.rate ?? 0) / reading.requestRate : 0
            metrics["top_source_share"] = .number(top)
            let rows = reading.topSources.map { [$0.network, TextFormat.count($0.rate), TextFormat.percent(reading.requestRate > 0 ? $0.rate / reading.requestRate : 0)] }
            text += "\n" + TextFormat.table(header: ["TOP SOURCE", "REQ/S", "SHARE"], rows: rows, alignments: [.left, .right, .right])
        }
        return ProbeResult(kind: .traffic, text: text, metrics: metrics, window: reading.window, unavailable: unavailable)
    }

    // MARK: - config

    func config(_ options: ProbeOptions, at now: Instant) -> ProbeResult {
        let version = current
        let happened = version.happenedAt ?? version.at
        let minutes = Double(now - happened) / 60_000
        var text = "Configuration version \(version.number), by \(version.by) at \(version.at.clockSeconds)"
        text += " (\(DurationText.format(milliseconds: max(0, now - version.at))) ago)\(version.note.map { ": \($0)" } ?? "")\n"
        if let evidence = version.evidence { text += "\(evidence)\n" }
        text += "algorithm \(version.configuration.algorithm?.rawValue ?? "unknown") · rate limit \(LoadBalancerConfiguration.rateText(version.configuration.rateLimit))\n"
        if !version.changes.isEmpty {
            text += "changed: " + (options.all ? version.changes.joined(separator: "; ") : ConfigurationChangeSummary.compact(version.changes)) + "\n"
        }
        let table = TextFormat.collapsedTable(header: ["BACKEND", "WEIGHT", "STATE"],
                                              rows: version.configuration.servers.map { [$0.name, String($0.weight), $0.state.rawValue] },
                                              alignments: [.left, .right, .left], all: options.all)
        text += table.text + TextFormat.foldedNote(table.folded)
        return ProbeResult(kind: .config, text: text, metrics: ["minutes_since_change": .number(max(0, minutes))])
    }

    // MARK: - backend NAME

    func backendProbe(_ name: String, _ options: ProbeOptions, at now: Instant) throws -> ProbeResult {
        var lines: [[String]] = []
        let stats: ServerStats
        var detail: ServerDetail?
        do {
            let found = try target.serverDetail(name, at: now)
            detail = found
            stats = found.stats
        } catch TargetError.unsupported {
            guard let found = try target.snapshot(at: now).servers.first(where: { $0.name == name }) else {
                throw TargetError.unknownServer(name: name, known: backendNames)
            }
            stats = found
        }
        let reading = try optionalWindow(seconds: options.windowSeconds, at: now)
        lines.append(["status now", "\(stats.statusText) (last check \(stats.checkStatus.isEmpty ? "-" : stats.checkStatus), since \((now - Int64(stats.lastchg) * 1000).clockSeconds))"])
        lines.append(["weight now", String(stats.weight)])
        lines.append(["sessions now", "\(stats.scur) in flight, \(stats.qcur) queued for this server"])
        if let reading, let window = reading.server(name) {
            let covered = reading.window.coveredSeconds
            lines.append(["requests", "\(TextFormat.rate(covered > 0 ? window.requests / covered : 0)) (\(TextFormat.count(window.requests)) attempts)"])
            lines.append(["failed", "\(TextFormat.percent(window.errorRate)) (\(TextFormat.count(window.failures)): timeouts, connection errors, 5xx)"])
            lines.append(["health checks", "\(TextFormat.count(window.checksFailed)) failed, DOWN \(TextFormat.count(window.downs)) times, \(Self.seconds(window.downtimeSeconds)) down"])
            if let utilization = window.utilization { lines.append(["utilization", "\(TextFormat.percent(utilization)) on average"]) }
            lines.append(["backend queue", queueLine(reading).replacingOccurrences(of: "backend queue: ", with: "")])
        }
        // Since when: HAProxy's counters start with its process.
        let started = (target as? HAProxyTarget)?.process.map { "since HAProxy started (\($0.startedAt.clockSeconds), pid \($0.pid))" } ?? "since start"
        lines.append([started, "\(TextFormat.count(Double(stats.stot))) requests, \(TextFormat.count(Double(stats.hrsp5xx))) 5xx, "
            + "\(TextFormat.count(Double(stats.eresp))) response errors and timeouts, \(TextFormat.count(Double(stats.econ))) connection errors, "
            + "\(stats.chkfail) checks failed, DOWN \(stats.chkdown) times"])
        lines.append(["response time", "\(stats.rtime) ms average, \(stats.ttime) ms for the whole session"])
        if let detail {
            lines.append(["capacity now", "\(TextFormat.rate(detail.capacity)), utilization \(TextFormat.percent(detail.utilization)) in the last second"])
            if let p = detail.latency {
                lines.append(["latency", "p50 \(TextFormat.milliseconds(p.p50)), p95 \(TextFormat.milliseconds(p.p95)), p99 \(TextFormat.milliseconds(p.p99)) (last second)"])
            }
            lines.append(["users", "\(TextFormat.percent(detail.userShare)) mapped here"])
            lines.append(["last check", TextFormat.milliseconds(detail.lastCheckMilliseconds)])
            if !detail.errorSeries.isEmpty {
                let peak = detail.errorSeries.max() ?? 0
                lines.append(["errors, \(detail.errorSeries.count) min", "\(TextFormat.sparkline(detail.errorSeries, maximum: max(peak, 0.01)))  peak \(TextFormat.percent(peak)) (per minute)"])
            }
        }
        let header = "Backend \(name) at \(now.clockSeconds)" + (reading.map { "; rates \($0.window.text)" } ?? "")
        let body = TextFormat.table(header: ["", ""], rows: lines).split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
        return ProbeResult(kind: .backend, text: header + "\n" + body, metrics: [:], window: reading?.window)
    }

    // MARK: - db, network

    func database(at now: Instant) throws -> ProbeResult {
        let reading = try target.dependencies(at: now)
        let text = "Database at \(now.clockSeconds) (now, against its normal figures)\n" + TextFormat.table(
            header: ["", "NOW", "NORMAL"],
            rows: [["latency", TextFormat.milliseconds(reading.now.databaseLatency), TextFormat.milliseconds(reading.normal.databaseLatency)],
                   ["error rate", TextFormat.percent(reading.now.databaseErrorRate), TextFormat.percent(reading.normal.databaseErrorRate)]],
            alignments: [.left, .right, .right])
        return ProbeResult(kind: .db, text: text,
                           metrics: ["latency_ms": .number(reading.now.databaseLatency), "error_rate": .number(reading.now.databaseErrorRate)])
    }

    func network(at now: Instant) throws -> ProbeResult {
        let reading = try target.dependencies(at: now)
        let text = "Network (load balancer ↔ backends) at \(now.clockSeconds) (now, against its normal figures)\n" + TextFormat.table(
            header: ["", "NOW", "NORMAL"],
            rows: [["round trip", TextFormat.milliseconds(reading.now.networkRTT), TextFormat.milliseconds(reading.normal.networkRTT)],
                   ["loss", TextFormat.percent(reading.now.networkLoss), TextFormat.percent(reading.normal.networkLoss)]],
            alignments: [.left, .right, .right])
        return ProbeResult(kind: .network, text: text, metrics: ["rtt_ms": .number(reading.now.networkRTT), "loss": .number(reading.now.networkLoss)])
    }
}
