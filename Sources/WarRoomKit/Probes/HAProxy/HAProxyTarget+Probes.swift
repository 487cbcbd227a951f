extension HAProxyTarget {
    /// The live weights and administrative states of the backend's servers, from `show servers
    /// state`: the weight set by configuration or `set server … weight` (`srv_uweight`) and the
    /// state an operator would name from `srv_admin_state`.
    ///
    /// `show stat` cannot stand in for this: a server drained after its weight was set to 0
    /// reads `DRAIN` with weight 0 there, which a reading of statistics cannot tell from a
    /// weight of 0 alone, so versions and rollbacks built on it would lose the drain.
    /// The algorithm is `nil`: HAProxy's `balance` cannot change at run time.
    /// - Parameter now: the incident clock's time (HAProxy keeps its own).
    /// - Returns: the configuration, servers in HAProxy's order.
    /// - Throws: `HAProxyError` when HAProxy cannot be reached or the backend is gone.
    public func configuration(at now: Instant) throws -> LoadBalancerConfiguration {
        let servers = try serversState().map { state in
            LoadBalancerConfiguration.Server(name: state.server, weight: state.userWeight, state: state.adminState, address: state.endpoint)
        }
        return LoadBalancerConfiguration(algorithm: nil, servers: servers)
    }

    /// The configuration HAProxy was started with: each server's weight from its configuration
    /// file (`srv_iweight`, what `get weight` calls initial), in rotation unless the file
    /// disables it.
    /// - Throws: `HAProxyError` when HAProxy cannot be reached.
    public func initialConfiguration(at now: Instant) throws -> LoadBalancerConfiguration {
        let servers = try serversState().map { state in
            LoadBalancerConfiguration.Server(name: state.server, weight: state.initialWeight,
                                             state: state.adminFlags.contains(.configuredMaintenance) ? .maint : .ready)
        }
        return LoadBalancerConfiguration(algorithm: nil, servers: servers)
    }

    /// What the backend did over about the last `seconds`, from the sampler's history, with a
    /// reading taken now so the window ends at the probe.
    /// - Throws: `HAProxyError` when HAProxy cannot be read now.
    public func window(at now: Instant, seconds: Int) throws -> LoadBalancerWindow {
        try freshSample(at: now)
        let frontend = self.frontend
        guard let reading = sampler.withHistory({ $0.window(seconds: seconds, frontend: frontend) }) else {
            throw TargetError.protocolError(target: label, reason: "no reading of backend '\(backend ?? "?")' yet")
        }
        return reading
    }

    /// The backend's error rate per minute over the last `minutes`, from the sampler's history.
    public func errorSeries(at now: Instant, minutes: Int) throws -> ErrorSeries {
        sampler.withHistory { $0.errorSeries(minutes: minutes) }
    }

    /// Requests over the window at the frontend (its `req_tot`) when one is watched, else at the
    /// backend (`stot`), against the busiest minute of the history and HAProxy's own
    /// `req_rate`/`req_rate_max`.
    public func traffic(at now: Instant, seconds: Int) throws -> TrafficReading {
        let reading = try window(at: now, seconds: seconds)
        let covered = reading.window.coveredSeconds
        let series = sampler.withHistory { $0.errorSeries(minutes: 30) }
        let peak = series.points.max { $0.requestRate < $1.requestRate }
        let latest = sampler.withHistory { $0.latest }
        let counted: String
        let requests: Double
        if let frontend = reading.frontend {
            counted = "frontend \(frontend.name)'s requests, req_tot"
            requests = frontend.requests
        } else {
            counted = "backend \(backend ?? "?")'s requests, stot; name a frontend with ,frontend=NAME to count there"
            requests = reading.pool.requests
        }
        return TrafficReading(window: reading.window, counted: counted, requestRate: covered > 0 ? requests / covered : 0, peakRate: peak?.requestRate,
                              peakAt: peak?.at, historyMinutes: series.points.count, attemptRate: covered > 0 ? reading.attempts / covered : nil,
                              lastSecondRate: latest?.pool.frontendRate, maximumRate: latest?.pool.frontendRateMax)
    }

    /// HAProxy's own averages over each server's last 1024 requests: `qtime`, `ctime`, `rtime`,
    /// `ttime` for the backend and each server. It keeps no distribution, so no percentiles.
    /// - Throws: `HAProxyError` when HAProxy cannot be read.
    public func latency(at now: Instant) throws -> LatencyReading {
        let backend = try settledBackend()
        let table = try tracked { () throws(HAProxyError) in try client.showStat(proxy: backend, types: [.backends, .servers]) }
        func times(_ row: HAProxyStatRow, name: String) -> AverageTimes {
            AverageTimes(name: name, queue: row.double("qtime"), connect: row.double("ctime"), response: row.double("rtime"), total: row.double("ttime"))
        }
        let backendRow = table.rows(of: .backend, in: backend).first
        return LatencyReading(basis: "HAProxy's averages over the last 1024 requests of the backend and of each server",
                              overall: nil, servers: [], backendTimes: backendRow.map { times($0, name: "\(backend) (backend)") },
                              serverTimes: table.rows(of: .server, in: backend).map { times($0, name: $0.name) })
    }

    /// When a change made outside warroom happened: between the two readings of the sampler
    /// that show it (a second or two apart), and, for servers whose state changed, HAProxy's
    /// `lastchg` (seconds since the server's last status change; weights do not reset it).
    public func changeEvidence(servers: [String], since: Instant, at now: Instant) -> ChangeEvidence? {
        var earliest: Instant?
        var parts: [String] = []
        var seen: [(name: String, before: Instant, after: Instant)] = []
        for name in servers {
            guard let change = sampler.changeSeen(for: name), change.after > since else { continue }
            seen.append((name, change.before, change.after))
            earliest = min(earliest ?? change.after, change.after)
        }
        var between: JSONObject = [:]
        for change in seen { between[change.name] = [.string(change.before.iso8601), .string(change.after.iso8601)] }
        if let first = seen.first {
            if seen.allSatisfy({ $0.before == first.before && $0.after == first.after }) {
                parts.append("changed between \(first.before.clockSeconds) and \(first.after.clockSeconds) (the sampler's readings)")
            } else if let earliest {
                parts.append("first seen changed at \(earliest.clockSeconds) (the sampler's readings)")
            }
        }
        var lastchg: JSONObject = [:]
        if let stats = try? snapshot(at: now) {
            for name in servers {
                guard let server = stats.servers.first(where: { $0.name == name }) else { continue }
                lastchg[name] = .int(server.lastchg)
            }
            let states = stats.servers.filter { servers.contains($0.name) && ($0.status.hasPrefix("MAINT") || $0.status.hasPrefix("DRAIN")) }
            if let latest = states.min(by: { $0.lastchg < $1.lastchg }) {
                let at = now - Int64(latest.lastchg) * 1000
                parts.append("HAProxy's lastchg: \(latest.name) changed status \(DurationText.format(milliseconds: Int64(latest.lastchg) * 1000)) ago (\(at.clockSeconds))")
                if earliest == nil, at >= since { earliest = at }
            }
        }
        guard !parts.isEmpty || !lastchg.isEmpty else { return nil }
        var data: JSONObject = ["lastchg": .object(lastchg)]
        if !seen.isEmpty { data["changed_between"] = .object(between) }
        return ChangeEvidence(happenedAt: earliest, text: parts.isEmpty ? "no reading shows when (weights do not reset HAProxy's lastchg)" : parts.joined(separator: "; "),
                              data: data)
    }

    /// A reading taken now, so a window ends at the probe; kept in the history.
    func freshSample(at now: Instant) throws {
        _ = try settledBackend()
        _ = try tracked { () throws(HAProxyError) in try sampler.sample(at: now) }
    }
}
