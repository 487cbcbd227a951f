import Foundation

extension SimulationModel {
    /// Recomputes who is in rotation, each backend's share of new arrivals, and (for sticky
    /// users and consistent hashing) which backend each user bucket maps to.
    mutating func rebalance() {
        balanceDirty = false
        let n = names.count
        let previous = bucketEligible
        eligibleCount = 0
        bucketEligibleCount = 0
        for i in 0..<n {
            let inRotation = admin[i] == .ready && healthy[i] && weight[i] > 0
            eligible[i] = inRotation
            // User buckets follow the configuration, not health: while checks hold a server out,
            // its users are served elsewhere but stay its users (so flapping moves no buckets).
            bucketEligible[i] = admin[i] == .ready && weight[i] > 0
            if bucketEligible[i] { bucketEligibleCount += 1 }
            effectiveWeight[i] = inRotation ? (algorithm == .roundRobin ? 1 : Double(weight[i])) : 0
            if inRotation {
                eligibleCount += 1
            } else {
                // Retries stuck to a server that left rotation go wherever the algorithm sends them.
                for g in stride(from: 1, through: retries, by: 1) {
                    pooledRetries[g] += stickyRetries[g * n + i]
                    stickyRetries[g * n + i] = 0
                }
            }
        }
        // Buckets and the ring follow the configuration only, so health flaps skip this.
        if configurationChanged, scenario.traffic.sticky || algorithm == .consistentHash {
            updateBuckets(previous: previous)
            let scale = Double(bucketCount) / Double(scenario.users)
            densityScale = bucketsOwned.map { $0 > 0 ? scale / Double($0) : 0 }
            refreshImpactSums()
        }
        configurationChanged = false
        computeShares()
    }

    mutating func computeShares() {
        let n = names.count
        var total = 0.0
        switch algorithm {
        case .roundRobin, .weightedRoundRobin:
            // Smooth weighted round-robin hands out requests in exact proportion to the weights
            // over every cycle, so in a fluid tick the shares are the weights' proportions.
            for i in 0..<n { total += effectiveWeight[i] }
            for i in 0..<n { share[i] = total > 0 ? effectiveWeight[i] / total : 0 }
        case .consistentHash:
            // Each point's arc (from the point before it) goes to the first server in rotation at or after it.
            for i in 0..<n { share[i] = 0 }
            let points = ringPositions.count
            guard eligibleCount > 0, points > 0, let anchor = (0..<points).last(where: { eligible[Int(ringOwners[$0])] }) else { return }
            var owner = Int(ringOwners[anchor])
            var p = anchor
            for _ in 0..<points {
                if eligible[Int(ringOwners[p])] { owner = Int(ringOwners[p]) }
                let previous = p == 0 ? ringPositions[points - 1] : ringPositions[p - 1]
                share[owner] += Double(ringPositions[p] &- previous) * 0x1.0p-64
                p = p == 0 ? points - 1 : p - 1
            }
            if points == 1 { share[owner] = 1 }
        case .leastConnections:
            // Least connections equalizes connections per unit of weight; with connections =
            // rate × latency (Little's law) that gives shares proportional to weight / latency.
            // Half of the step is taken each tick, like the damping of real connection counts.
            var target = [Double](repeating: 0, count: n)
            for i in 0..<n where eligible[i] {
                let latency = max(1, self[.lastServiceTime, i] + self[.lastWait, i] * 1000)
                target[i] = effectiveWeight[i] / latency
                total += target[i]
            }
            var sum = 0.0
            for i in 0..<n {
                let t = total > 0 ? target[i] / total : 0
                share[i] = eligible[i] ? (share[i] > 0 ? 0.5 * share[i] + 0.5 * t : t) : 0
                sum += share[i]
            }
            if sum > 0 { for i in 0..<n { share[i] /= sum } }
        case .powerOfTwo:
            // Two servers drawn by weight, the one with fewer connections per weight wins:
            // P(i) = p_i (p_i + 2 Σ_{j busier} p_j). Servers equally busy share equally.
            var order: [Int] = []
            order.reserveCapacity(eligibleCount)
            for i in 0..<n where eligible[i] {
                order.append(i)
                total += effectiveWeight[i]
            }
            var busy = [Double](repeating: 0, count: n)
            for i in order { busy[i] = (inFlight(i) + self[.liveQueue, i] + self[.deadQueue, i]) / effectiveWeight[i] }
            order.sort { busy[$0] != busy[$1] ? busy[$0] < busy[$1] : $0 < $1 }
            for i in 0..<n { share[i] = 0 }
            var busier = 0.0
            for i in order.reversed() {
                let p = effectiveWeight[i] / total
                share[i] = p * (p + 2 * busier)
                busier += p
            }
            var start = 0
            while start < order.count {
                var end = start + 1
                while end < order.count, abs(busy[order[end]] - busy[order[start]]) <= 1e-9 * max(1, busy[order[start]]) { end += 1 }
                if end - start > 1 {
                    var groupShare = 0.0
                    var groupWeight = 0.0
                    for k in start..<end {
                        groupShare += share[order[k]]
                        groupWeight += effectiveWeight[order[k]]
                    }
                    for k in start..<end { share[order[k]] = groupShare * effectiveWeight[order[k]] / groupWeight }
                }
                start = end
            }
        }
    }

    /// Consistent hashing on a ring: each backend owns points in proportion to its configured
    /// weight, and a user bucket belongs to the first point after its own position whose
    /// backend is configured in rotation. A server taken out (drain, maint, weight 0) hands only
    /// its own buckets to the next points (spread over the others); put back, it takes the same
    /// buckets again. The ring is rebuilt only when weights or the algorithm change.
    mutating func updateBuckets(previous: [Bool]) {
        let n = names.count
        var ring = [Double](repeating: 0, count: n)
        for i in 0..<n where weight[i] > 0 { ring[i] = algorithm == .roundRobin ? 1 : Double(weight[i]) }
        // Consistent hashing of requests needs a fine ring; user buckets alone need a coarse one.
        let fine = algorithm == .consistentHash
        if ring != ringWeights || ringPositions.isEmpty || fine != fineRing {
            ringWeights = ring
            fineRing = fine
            buildRing()
            for b in 0..<bucketCount {
                let owner = firstEligibleOwner(from: Int(bucketStart[b]))
                if owner != Int(bucketOwner[b]) { assign(bucket: b, to: owner) }
            }
            return
        }
        // Same ring, some servers in or out of rotation: only the buckets on the arcs in front of
        // their points move (walking back over points whose servers are out of rotation).
        let points = ringOwners.count
        guard points > 0 else { return }
        // Worked on as locals moved out of `self`, so no write pays for copy-on-write checks.
        var owners = bucketOwner
        bucketOwner = []
        var accumulated = bucketAccumulated
        bucketAccumulated = []
        var marks = bucketMark
        bucketMark = []
        var owned = bucketsOwned
        bucketsOwned = []
        let density = column(.failureDensity)
        let ringOwners = self.ringOwners
        let eligible = self.bucketEligible
        let eligibleCount = self.bucketEligibleCount
        let ringPointsStart = self.ringPointsStart
        let ringPointsList = self.ringPointsList
        let pointBuckets = self.pointBuckets
        let bucketsByPoint = self.bucketsByPoint
        for j in 0..<n where eligible[j] != previous[j] {
            for k in Int(ringPointsStart[j])..<Int(ringPointsStart[j + 1]) {
                let p = Int(ringPointsList[k])
                var target = eligible[j] ? j : -2
                var q = p
                repeat {
                    let slots = Int(pointBuckets[q])..<Int(pointBuckets[q + 1])
                    if !slots.isEmpty, target == -2 {
                        target = SimulationModel.firstEligibleOwner(
                            from: p + 1 == points ? 0 : p + 1, owners: ringOwners, eligible: eligible, eligibleCount: eligibleCount)
                    }
                    for slot in slots {
                        let b = Int(bucketsByPoint[slot])
                        let old = Int(owners[b])
                        guard old != target else { continue }
                        if old >= 0 {
                            accumulated[b] += density[old] - marks[b]
                            owned[old] -= 1
                        }
                        owners[b] = Int32(target)
                        marks[b] = target >= 0 ? density[target] : 0
                        if target >= 0 { owned[target] += 1 }
                    }
                    q = q == 0 ? points - 1 : q - 1
                } while q != p && !eligible[Int(ringOwners[q])]
            }
        }
        bucketOwner = owners
        bucketAccumulated = accumulated
        bucketMark = marks
        bucketsOwned = owned
    }

    /// The backend of the first point at or after `start` whose server is in rotation (−1 when none is).
    func firstEligibleOwner(from start: Int) -> Int {
        SimulationModel.firstEligibleOwner(from: start, owners: ringOwners, eligible: bucketEligible, eligibleCount: bucketEligibleCount)
    }

    /// A static function on purpose: called in loops from mutating code, a method on this large
    /// struct could be handed a copy of all of it on every call.
    static func firstEligibleOwner(from start: Int, owners: [Int32], eligible: [Bool], eligibleCount: Int) -> Int {
        let points = owners.count
        guard eligibleCount > 0, points > 0 else { return -1 }
        var p = start
        for _ in 0..<points {
            let candidate = Int(owners[p])
            if eligible[candidate] { return candidate }
            p = p + 1 == points ? 0 : p + 1
        }
        return -1
    }

    /// Places each backend's points and finds, for each bucket, the first point at or after it.
    mutating func buildRing() {
        let n = names.count
        let total = ringWeights.reduce(0, +)
        var positions: [(UInt64, Int32)] = []
        if total > 0 {
            let pointsTotal = fineRing ? Double(max(SimulationModel.minimumRingPoints, SimulationModel.ringPointsPerBackend * n))
                : Double(bucketCount)
            for i in 0..<n where ringWeights[i] > 0 {
                let count = max(1, Int((pointsTotal * ringWeights[i] / total).rounded()))
                for k in 0..<count {
                    positions.append((SplitMix64.mix(nameHashes[i] &+ UInt64(k) &* 0x9E37_79B9_7F4A_7C15), Int32(i)))
                }
            }
        }
        positions.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        ringPositions = positions.map(\.0)
        ringOwners = positions.map(\.1)
        let points = ringPositions.count
        for b in 0..<bucketCount {
            let position = bucketPosition(b)
            var low = 0
            var high = points
            while low < high {
                let mid = (low + high) / 2
                if ringPositions[mid] < position { low = mid + 1 } else { high = mid }
            }
            bucketStart[b] = Int32(low == points ? 0 : low)
        }
        // Buckets grouped by their starting point, and points grouped by backend, for the
        // incremental updates when servers leave or rejoin rotation.
        // (With no point at all — every server weighed 0 — no bucket starts anywhere.)
        pointBuckets = [Int32](repeating: 0, count: points + 1)
        bucketsByPoint = points == 0 ? [] : [Int32](repeating: 0, count: bucketCount)
        if points > 0 {
            for b in 0..<bucketCount { pointBuckets[Int(bucketStart[b]) + 1] += 1 }
            for p in 0..<points { pointBuckets[p + 1] += pointBuckets[p] }
            var fill = pointBuckets
            for b in 0..<bucketCount {
                let p = Int(bucketStart[b])
                bucketsByPoint[Int(fill[p])] = Int32(b)
                fill[p] += 1
            }
        }
        ringPointsStart = [Int32](repeating: 0, count: n + 1)
        for p in 0..<points { ringPointsStart[Int(ringOwners[p]) + 1] += 1 }
        for i in 0..<n { ringPointsStart[i + 1] += ringPointsStart[i] }
        var next = ringPointsStart
        ringPointsList = [Int32](repeating: 0, count: points)
        for p in 0..<points {
            let i = Int(ringOwners[p])
            ringPointsList[Int(next[i])] = Int32(p)
            next[i] += 1
        }
    }

    @inline(__always)
    func bucketPosition(_ b: Int) -> UInt64 {
        SplitMix64.mix(UInt64(b) &* 0xD1B5_4A32_D192_ED03 ^ scenario.seed)
    }

    mutating func assign(bucket b: Int, to backend: Int) {
        let old = Int(bucketOwner[b])
        if old >= 0 {
            bucketAccumulated[b] += self[.failureDensity, old] - bucketMark[b]
            bucketsOwned[old] -= 1
        }
        bucketOwner[b] = Int32(backend)
        if backend >= 0 {
            bucketMark[b] = self[.failureDensity, backend]
            bucketsOwned[backend] += 1
        } else {
            bucketMark[b] = 0
        }
    }

    /// The fraction of users who have had a request fail because of the incident since the
    /// scenario's start (failures at the normal background rate do not count; see
    /// `usersAffected(since:)`): per user bucket, incident failures per user `x` make `1 − e^−x`
    /// of its users affected (failures fall on users at random, a Poisson approximation).
    public var usersAffected: Double {
        guard scenario.traffic.sticky else { return 1 - exp(-globalDensity) }
        // Σ_b e^(−x_b) with x_b = accumulated_b + density[owner] − mark_b + global, summed per owner
        // from the sums `refreshImpactSums` keeps (a few exponentials per backend, not per bucket).
        var unaffected = unownedImpactSum
        for o in 0..<names.count where ownerImpactSum[o] > 0 {
            unaffected += ownerImpactSum[o] * exp(ownerImpactReference[o] - self[.failureDensity, o])
        }
        return 1 - unaffected * exp(-globalDensity) / Double(bucketCount)
    }

    /// Recomputes, per owner o, R_o = max over its buckets of (mark_b − accumulated_b) and
    /// S_o = Σ e^(mark_b − accumulated_b − R_o), so that Σ_{b∈o} e^(−x_b) = S_o e^(R_o − density_o)
    /// without overflow (R_o ≤ mark_b ≤ density_o). Buckets only move on configuration changes.
    mutating func refreshImpactSums() {
        let n = names.count
        var reference = [Double](repeating: -.infinity, count: n)
        var sum = [Double](repeating: 0, count: n)
        var unowned = 0.0
        for b in 0..<bucketCount {
            let o = Int(bucketOwner[b])
            if o >= 0 { reference[o] = max(reference[o], bucketMark[b] - bucketAccumulated[b]) }
        }
        for b in 0..<bucketCount {
            let o = Int(bucketOwner[b])
            if o >= 0 {
                sum[o] += exp(bucketMark[b] - bucketAccumulated[b] - reference[o])
            } else {
                unowned += exp(-bucketAccumulated[b])
            }
        }
        for o in 0..<n where sum[o] == 0 { reference[o] = 0 }
        ownerImpactReference = reference
        ownerImpactSum = sum
        unownedImpactSum = unowned
    }
}
