import Foundation

extension SimulationModel {
    /// Runs one tick: scenario events due, client arrivals spread by the algorithm, service,
    /// queueing and timeouts per backend, retries for the next tick, health checks, counters.
    public mutating func step() {
        applyDueEvents()
        if balanceDirty || algorithm == .leastConnections || algorithm == .powerOfTwo { rebalance() }
        let n = names.count
        let r = retries
        let sticky = scenario.traffic.sticky
        let users = Double(scenario.users)
        var tick = SimulationTotals()

        // Client traffic, then the frontend rate limit (answered 429 at once, never retried).
        var legit = legitimateRate
        var flood = attackRate
        tick.requests = legit + flood
        tick.legitimate = legit
        if let limit = rateLimit, legit + flood > limit {
            let scale = limit / (legit + flood)
            tick.limited = (legit + flood) * (1 - scale)
            let limitedUsers = legit * (1 - scale)
            tick.userErrors += limitedUsers
            tick.incidentUserErrors += limitedUsers
            globalDensity += limitedUsers / users
            legit *= scale
            flood *= scale
        }
        let legitFraction = legit + flood > 0 ? legit / (legit + flood) : 1
        let redispatchIn = redispatched
        redispatched = 0
        var pool = pooledRetries
        for g in 0...r { pooledRetries[g] = 0 }
        var retriesIn = 0.0
        for g in stride(from: 1, through: r, by: 1) { retriesIn += pool[g] }
        // Without retries waiting (the usual case) every arrival is a first try, and the
        // per-generation bookkeeping is skipped.
        let retriesPending = retriesIn > 0 || stickyRetriesOut
        stickyRetriesOut = false

        if eligibleCount == 0 {
            // Nothing in rotation: every attempt is answered 503 at once and cannot be retried.
            var stranded = legit + flood + redispatchIn + retriesIn
            for k in stride(from: n, to: stickyRetries.count, by: 1) {
                stranded += stickyRetries[k]
                stickyRetries[k] = 0
            }
            // Redispatched requests were counted as attempts when they first arrived.
            tick.attempts += stranded - redispatchIn
            tick.failedAttempts += stranded
            tick.noServer += stranded
            tick.serverErrors += stranded
            tick.errors += stranded
            tick.userErrors += stranded * legitFraction
            tick.incidentUserErrors += stranded * legitFraction
            globalDensity += stranded * legitFraction / users
            legit = 0
            flood = 0
            for g in 0...r { pool[g] = 0 }
        }
        tick.retries = retriesIn

        let figures = dependencies
        let loss = figures.networkLoss
        let rtt = figures.networkRTT
        let timeout = timeoutSeconds
        let check = scenario.loadBalancer.healthCheck
        let checkTimeout = Double(check.timeout)
        let tickNumber = ticks + 1
        // New users are placed by the algorithm, and a sticky user keeps the server it was given,
        // so in aggregate the load follows the algorithm's shares either way; stickiness decides
        // which users (and which retries) stay with which server.
        let spread = legit + flood + redispatchIn
        let spreadLegit = legit + redispatchIn * legitFraction

        // The loop works on arrays moved out of `self` (uniquely owned, so no copy-on-write
        // checks) and on the columns through plain pointers: no per-element bookkeeping.
        let eligible = self.eligible
        let bucketsOwned = self.bucketsOwned
        let baseLatency = self.baseLatency
        let admin = self.admin
        let capacityNow = self.capacityNow
        let inverseCapacityNow = self.inverseCapacityNow
        let serviceBaseNow = self.serviceBaseNow
        let quietLimit = self.quietLimit
        let errorRateNow = self.errorRateNow
        let incidentErrorRateNow = self.incidentErrorRateNow
        // Connection failures at the scenario's normal network loss are background, not the incident's.
        let normalLoss = scenario.dependencies.networkLoss
        let densityScale = self.densityScale
        var arrivalsByGeneration = self.arrivalsByGeneration
        self.arrivalsByGeneration = []
        var stickyRetries = self.stickyRetries
        self.stickyRetries = []
        var healthy = self.healthy
        self.healthy = []
        var checkStreak = self.checkStreak
        self.checkStreak = []
        var checkFailures = self.checkFailures
        self.checkFailures = []
        var nextCheckTick = self.nextCheckTick
        self.nextCheckTick = []
        var lastChangeTick = self.lastChangeTick
        self.lastChangeTick = []
        var lastCheckStatus = self.lastCheckStatus
        self.lastCheckStatus = []
        var columns = self.columns
        self.columns = []
        let share = self.share
        share.withUnsafeBufferPointer { share in
        columns.withUnsafeMutableBufferPointer { block in
        arrivalsByGeneration.withUnsafeMutableBufferPointer { arrivalsByGeneration in
        stickyRetries.withUnsafeMutableBufferPointer { stickyRetries in
            let base = block.baseAddress!
            func column(_ c: Column) -> UnsafeMutablePointer<Double> { base + c.rawValue * n }
            let liveQueue = column(.liveQueue), deadQueue = column(.deadQueue), failureDensity = column(.failureDensity)
            let totalAttempts = column(.totalAttempts), totalServed = column(.totalServed), totalServerErrors = column(.totalServerErrors)
            let totalConnectionErrors = column(.totalConnectionErrors), totalTimeouts = column(.totalTimeouts)
            let lastAttempts = column(.lastAttempts), lastServed = column(.lastServed), lastTimeouts = column(.lastTimeouts)
            let lastWait = column(.lastWait), lastServiceTime = column(.lastServiceTime)
            let lastCheckLatency = column(.lastCheckLatency)
            let totalDowns = column(.totalDowns), downtimeClosed = column(.downtimeClosed), downSince = column(.downSince)
            let inverseUsers = 1 / users
            // Sums kept in locals (registers), added to the tick's totals after the loop.
            var sumAttempts = 0.0, sumServed = 0.0, sumFailed = 0.0, sumErrors = 0.0
            var sumTimeouts = 0.0, sumConnection = 0.0, sumServerErrors = 0.0, sumUserErrors = 0.0, sumGlobal = 0.0, sumIncidentUser = 0.0
            for i in 0..<n {
                // Arrivals, by retry generation.
                var arrivals = 0.0
                var first = 0.0
                var firstLegit = 0.0
                if eligible[i] {
                    let s = share[i]
                    first = s * spread
                    firstLegit = s * spreadLegit
                    arrivals = first
                    if retriesPending {
                        arrivalsByGeneration[i] = first
                        for g in stride(from: 1, through: r, by: 1) {
                            let x = s * pool[g] + stickyRetries[g * n + i]
                            stickyRetries[g * n + i] = 0
                            arrivalsByGeneration[g * n + i] = x
                            arrivals += x
                        }
                    }
                }

                // Service: capacity shrinks when the database makes each request hold a worker longer.
                let serviceBase = serviceBaseNow[i]
                let capacityNow = capacityNow[i]
                let inverseCapacity = inverseCapacityNow[i]
                let live = liveQueue[i]
                let dead = deadQueue[i]
                let queued = live + dead
                let errorRate = errorRateNow[i]
                if queued == 0, loss == 0, arrivals <= quietLimit[i] {
                    // The common case, a server with spare capacity and nothing waiting: everything is
                    // served this tick, in time, and only 5xx can fail (the general path below gives
                    // the same result, with more work).
                    let load = arrivals * inverseCapacity
                    let service = serviceBase * (1 + 0.5 * load * load)
                    let serverErrors = arrivals * errorRate
                    let ok = arrivals - serverErrors
                    if serverErrors > 0 {
                        let legitShare = first > 0 ? firstLegit / first : legitFraction
                        let userErrors = serverErrors * legitShare
                        // Only failures above the normal background rate affect users "because of the incident".
                        let incidentUser = arrivals * incidentErrorRateNow[i] * legitShare
                        if incidentUser > 0 {
                            if sticky, bucketsOwned[i] > 0, eligible[i] {
                                failureDensity[i] += incidentUser * densityScale[i]
                            } else {
                                sumGlobal += incidentUser * inverseUsers
                            }
                        }
                        sumFailed += serverErrors
                        sumErrors += serverErrors
                        sumServerErrors += serverErrors
                        sumUserErrors += userErrors
                        sumIncidentUser += incidentUser
                        totalServerErrors[i] += serverErrors
                    }
                    sumAttempts += arrivals
                    sumServed += ok
                    totalAttempts[i] += arrivals
                    totalServed[i] += ok
                    lastAttempts[i] = arrivals
                    lastServed[i] = arrivals
                    lastTimeouts[i] = 0
                    lastWait[i] = 0
                    lastServiceTime[i] = service
                    continue
                }
                let service: Double
                let servedLive: Double
                let deadIn: Double
                let connectionErrors: Double
                do {
                    let lost = arrivals * loss
                    let offered = arrivals - lost
                    let backlog = 2 * timeout * capacityNow
                    let admitted = min(offered, max(0, backlog - queued) + capacityNow)
                    let refused = offered - admitted
                    let load = min(1, (queued + admitted) * inverseCapacity)
                    service = serviceBase * (1 + 0.5 * load * load)
                    // An arrival that will wait longer than the time left after service is doomed: its client
                    // times out, but the server still works through it later (wasted work).
                    let room = max(0, capacityNow * (timeout - (service + rtt) * 0.001) - queued)
                    let liveIn = min(admitted, room)
                    deadIn = admitted - liveIn
                    let served = min(queued + admitted, capacityNow)
                    servedLive = min(live + liveIn, served)
                    liveQueue[i] = live + liveIn - servedLive
                    deadQueue[i] = dead + deadIn - (served - servedLive)
                    connectionErrors = lost + refused
                }
                let serverErrors = servedLive * errorRate
                let ok = servedLive - serverErrors
                let retryable = connectionErrors + deadIn

                // Failed attempts go back for another try, or fail the client request for good.
                var finalFraction = 1.0
                if r > 0, arrivals > 0, retryable > 0 {
                    let keepSticky = sticky && eligible[i]
                    if keepSticky { stickyRetriesOut = true }
                    if retriesPending {
                        let inverse = 1 / arrivals
                        for g in 0..<r {
                            let part = retryable * arrivalsByGeneration[g * n + i] * inverse
                            if keepSticky { stickyRetries[(g + 1) * n + i] += part } else { pooledRetries[g + 1] += part }
                        }
                        finalFraction = arrivalsByGeneration[r * n + i] * inverse
                    } else {
                        // Everything that arrived was a first try: all of it may be tried again.
                        if keepSticky { stickyRetries[n + i] += retryable } else { pooledRetries[1] += retryable }
                        finalFraction = 0
                    }
                }
                let finalTimeouts = deadIn * finalFraction
                let finalConnection = connectionErrors * finalFraction
                let finalErrors = finalTimeouts + finalConnection + serverErrors
                var userErrors = 0.0
                var incidentUser = 0.0
                if finalErrors > 0 {
                    let legitShare = first > 0 ? firstLegit / first : legitFraction
                    userErrors = finalErrors * legitShare
                    // The background: 5xx at the normal error rates, and connections lost at the
                    // normal network loss. Everything else (timeouts, refusals under load, a
                    // dependency worse than normal) is the incident's.
                    let backgroundLost = connectionErrors > 0 ? finalConnection * min(1, arrivals * min(loss, normalLoss) / connectionErrors) : 0
                    let incident = finalTimeouts + finalConnection - backgroundLost + servedLive * incidentErrorRateNow[i]
                    incidentUser = max(0, incident) * legitShare
                    if incidentUser > 0 {
                        if sticky, bucketsOwned[i] > 0, eligible[i] {
                            failureDensity[i] += incidentUser * densityScale[i]
                        } else {
                            sumGlobal += incidentUser * inverseUsers
                        }
                    }
                }

                sumAttempts += arrivals
                sumServed += ok
                sumFailed += retryable + serverErrors
                sumErrors += finalErrors
                sumTimeouts += finalTimeouts
                sumConnection += finalConnection
                sumServerErrors += serverErrors
                sumUserErrors += userErrors
                sumIncidentUser += incidentUser

                totalAttempts[i] += arrivals
                totalServed[i] += ok
                totalServerErrors[i] += serverErrors
                totalConnectionErrors[i] += connectionErrors
                totalTimeouts[i] += deadIn
                lastAttempts[i] = arrivals
                lastServed[i] = servedLive
                lastTimeouts[i] = deadIn
                lastWait[i] = live * inverseCapacity
                lastServiceTime[i] = service
            }

            // Active health checks, in a second pass (most servers are not due in a given tick). A
            // check waits behind the server's queue like any request.
            for i in 0..<n where tickNumber >= nextCheckTick[i] && admin[i] != .maint {
                let base = baseLatency[i]
                let serviceBase = serviceBaseNow[i]
                let inverseCapacity = inverseCapacityNow[i]
                let service = lastServiceTime[i]
                // Like HAProxy's spread-checks: a little jitter keeps checks from locking into a rhythm.
                nextCheckTick[i] += checkIntervalTicks + (random.unit() < 0.25 ? 1 : 0)
                let wait = (liveQueue[i] + deadQueue[i]) * inverseCapacity * 1000
                let quiet = base * (service / serviceBase) + rtt
                // The noise factor is bounded (at most e^(0.25 × 2√3) ≈ 2.38), so a check far from its
                // timeout passes without drawing it; only borderline checks pay for the randomness.
                let latency = quiet * SimulationModel.maximumCheckNoise + wait <= checkTimeout
                    ? quiet + wait : quiet * exp(SimulationModel.checkSigma * random.normal()) + wait
                let lostCheck = loss > 0 && random.unit() < loss
                let passed = !lostCheck && latency <= checkTimeout
                lastCheckLatency[i] = latency
                lastCheckStatus[i] = lostCheck ? .connectionError : passed ? .ok : .timeout
                if healthy[i] {
                    if passed {
                        checkStreak[i] = 0
                    } else {
                        checkStreak[i] += 1
                        checkFailures[i] += 1
                        if checkStreak[i] >= check.fall {
                            healthy[i] = false
                            checkStreak[i] = 0
                            lastChangeTick[i] = tickNumber
                            totalDowns[i] += 1
                            downSince[i] = Double(tickNumber)
                            balanceDirty = true
                            // HAProxy redispatches the queue of a server marked down; the doomed are gone.
                            redispatched += liveQueue[i]
                            liveQueue[i] = 0
                            deadQueue[i] = 0
                        }
                    }
                } else if passed {
                    checkStreak[i] += 1
                    if checkStreak[i] >= check.rise {
                        healthy[i] = true
                        checkStreak[i] = 0
                        lastChangeTick[i] = tickNumber
                        downtimeClosed[i] += Double(tickNumber) - downSince[i]
                        balanceDirty = true
                    }
                } else {
                    checkStreak[i] = 0
                }
            }

            tick.attempts += sumAttempts
            tick.served += sumServed
            tick.failedAttempts += sumFailed
            tick.errors += sumErrors
            tick.timeouts += sumTimeouts
            tick.connectionErrors += sumConnection
            tick.serverErrors += sumServerErrors
            tick.userErrors += sumUserErrors
            tick.incidentUserErrors += sumIncidentUser
            globalDensity += sumGlobal
        }
        }
        }
        }
        self.columns = columns
        self.arrivalsByGeneration = arrivalsByGeneration
        self.stickyRetries = stickyRetries
        self.healthy = healthy
        self.checkStreak = checkStreak
        self.checkFailures = checkFailures
        self.nextCheckTick = nextCheckTick
        self.lastChangeTick = lastChangeTick
        self.lastCheckStatus = lastCheckStatus
        if eligibleCount > 0 { tick.attempts -= redispatchIn }
        totals.requests += tick.requests
        totals.legitimate += tick.legitimate
        totals.attempts += tick.attempts
        totals.retries += tick.retries
        totals.served += tick.served
        totals.failedAttempts += tick.failedAttempts
        totals.errors += tick.errors + tick.limited
        totals.timeouts += tick.timeouts
        totals.serverErrors += tick.serverErrors
        totals.connectionErrors += tick.connectionErrors
        totals.limited += tick.limited
        totals.noServer += tick.noServer
        totals.userErrors += tick.userErrors
        totals.incidentUserErrors += tick.incidentUserErrors
        tick.errors += tick.limited
        lastTick = tick

        window.requests += tick.requests
        window.attempts += tick.attempts
        window.errors += tick.errors
        window.timeouts += tick.timeouts
        window.serverErrors += tick.serverErrors
        window.limited += tick.limited
        window.connectionErrors += tick.connectionErrors
        window.noServer += tick.noServer
        ticks = tickNumber
        if ticks % Int64(SimulationHistory.windowSeconds) == 0 {
            window.at = now
            let counts = healthCounts()
            window.backendsUp = counts.up
            window.backendsDown = counts.down
            // Written straight into the history's ring: attempts and failures as differences of
            // the cumulative counters, health figures as they stand (the readings take differences).
            let base = history.head * n
            let tickCount = Double(ticks)
            for i in 0..<n {
                let attempts = self[.totalAttempts, i]
                let failures = self[.totalTimeouts, i] + self[.totalConnectionErrors, i] + self[.totalServerErrors, i]
                history.backendAttempts[base + i] = attempts - self[.windowStartAttempts, i]
                history.backendFailures[base + i] = failures - self[.windowStartFailures, i]
                history.backendChecks[base + i] = Float(checkFailures[i])
                history.backendDowns[base + i] = Float(self[.totalDowns, i])
                history.backendDowntime[base + i] = Float(self[.downtimeClosed, i] + (healthy[i] ? 0 : tickCount - self[.downSince, i]))
                self[.windowStartAttempts, i] = attempts
                self[.windowStartFailures, i] = failures
            }
            history.commit(window)
            window = SimulationSample(at: now)
        }
    }

    /// Backends in rotation and up, and backends marked down by their health checks.
    public func healthCounts() -> (up: Int, down: Int) {
        var up = 0
        var down = 0
        for i in 0..<names.count where admin[i] != .maint {
            if !healthy[i] { down += 1 } else if admin[i] == .ready, weight[i] > 0 { up += 1 }
        }
        return (up, down)
    }

    /// Requests conserved: every attempt made is served, failed, or still waiting (queued or
    /// about to be redispatched). Returns attempts − (served + failed + waiting), which stays 0
    /// up to rounding.
    public var conservationResidual: Double {
        var waiting = redispatched
        for i in 0..<names.count { waiting += self[.liveQueue, i] }
        return totals.attempts - (totals.served + totals.failedAttempts + waiting)
    }
}
