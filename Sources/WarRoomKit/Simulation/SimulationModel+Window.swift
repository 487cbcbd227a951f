extension SimulationModel {
    /// What the pool did over about the last `seconds`, ending at `now`: the history window in
    /// progress plus as many whole 10-second windows as come nearest to `seconds` (so a probe at
    /// a whole minute covers exactly its window). `window` in the result says exactly what is
    /// covered, and how much less than asked when the drill has not run that long yet.
    /// - Parameter seconds: the window asked for (`--window`), 1 or more.
    /// - Returns: the pool's requests and failures by cause, and each backend's figures.
    public func windowReading(seconds: Int) -> LoadBalancerWindow {
        let step = SimulationHistory.windowSeconds
        let partial = Int(ticks % Int64(step))
        var windows = 0
        let remaining = seconds - partial
        if remaining > 0 { windows = max(partial == 0 ? 1 : 0, Int((Double(remaining) / Double(step)).rounded())) }
        windows = min(windows, history.count)
        var pool = window
        var backends = currentWindowBackends()
        if windows > 0 {
            var older = SimulationSample(at: now)
            for k in stride(from: windows - 1, through: 0, by: -1) { older.absorb(history.sample(back: k)) }
            older.absorb(pool)
            pool = older
            backends.add(history.backendWindowTotals(last: windows))
        }
        let from = now - Int64(partial + windows * step) * 1000
        let covered = Double(now - from) / 1000
        let loss = dependencies.networkLoss
        var queued = 0.0
        let servers = (0..<names.count).map { i -> ServerWindow in
            queued += self[.liveQueue, i] + self[.deadQueue, i]
            let utilization = covered > 0 ? backends.attempts[i] * (1 - loss) / (capacityNow[i] * covered) : 0
            return ServerWindow(name: names[i], requests: backends.attempts[i], failures: backends.failures[i], checksFailed: backends.checksFailed[i],
                                downs: backends.downs[i], downtimeSeconds: backends.downtime[i], utilization: utilization)
        }
        return LoadBalancerWindow(window: ProbeWindow(requestedSeconds: seconds, from: from, to: now), pool: pool.breakdown, servers: servers, queued: queued)
    }

    /// The pool's error rates minute by minute over the last `minutes`, oldest first, from the
    /// history's 10-second windows (a minute only partly in the history is left out, and so are
    /// minutes before the drill began).
    /// - Parameter minutes: how far back, at most an hour.
    public func errorSeries(minutes: Int) -> ErrorSeries {
        var points: [ErrorReading.Point] = []
        let from = now - Int64(minutes) * 60_000
        var minute = SimulationSample(at: from)
        var minuteEnd = from + 60_000
        func close() {
            if minute.requests > 0 {
                points.append(ErrorReading.Point(at: minuteEnd, errorRate: minute.errorRate, timeoutRate: minute.timeoutRate,
                                                 serverErrorRate: minute.serverErrorRate, requestRate: minute.requests / 60))
            }
        }
        for sample in history.samples(after: from, through: now) {
            while sample.at > minuteEnd {
                close()
                minute = SimulationSample(at: minuteEnd)
                minuteEnd = minuteEnd + 60_000
            }
            minute.absorb(sample)
        }
        close()
        return ErrorSeries(minutes: minutes, points: points)
    }

    /// One backend's failed fraction minute by minute over the last `minutes`, oldest first.
    public func backendErrorSeries(_ i: Int, minutes: Int) -> [Double] {
        let series = history.backendSeries(i, after: now - Int64(minutes) * 60_000)
        var perMinute: [Double] = []
        var attempts = 0.0
        var failures = 0.0
        for (k, point) in series.enumerated() {
            attempts += point.attempts
            failures += point.failures
            if (k + 1) % (60 / SimulationHistory.windowSeconds) == 0 || k == series.count - 1 {
                perMinute.append(attempts > 0 ? failures / attempts : 0)
                attempts = 0
                failures = 0
            }
        }
        return perMinute
    }

    /// Each backend's figures in the history window in progress (since the last 10-second boundary).
    func currentWindowBackends() -> BackendWindowTotals {
        var totals = BackendWindowTotals(count: names.count)
        for i in 0..<names.count {
            totals.attempts[i] = self[.totalAttempts, i] - self[.windowStartAttempts, i]
            totals.failures[i] = self[.totalTimeouts, i] + self[.totalConnectionErrors, i] + self[.totalServerErrors, i] - self[.windowStartFailures, i]
            let before = history.latestHealth(i)
            totals.checksFailed[i] = Double(checkFailures[i]) - before.checks
            totals.downs[i] = self[.totalDowns, i] - before.downs
            totals.downtime[i] = downtimeSeconds(i) - before.downtime
        }
        return totals
    }

    /// Seconds backend `i` has spent DOWN since the start (HAProxy's `downtime`).
    public func downtimeSeconds(_ i: Int) -> Double {
        self[.downtimeClosed, i] + (healthy[i] ? 0 : Double(ticks) - self[.downSince, i])
    }

    /// Times backend `i`'s health checks marked it DOWN since the start (HAProxy's `chkdown`).
    public func downs(_ i: Int) -> Int {
        Int(self[.totalDowns, i])
    }
}
