import Foundation

extension SimulationModel {
    /// Recomputes who is in rotation, each backend's share of new arrivals, and (for sticky
    /// users and consistent hashing) which backend each user bucket maps to.
    mutating func rebalance() {
        balanceDirty = false
        let n = names.count
        let previous = effectiveWeight
        eligibleCount = 0
        for i in 0..<n {
            let inRotation = admin[i] == .ready && healthy[i] && weight[i] > 0
            eligible[i] = inRotation
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
        if scenario.traffic.sticky || algorithm == .consistentHash {
            updateBuckets(previous: previous)
        }
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
            let buckets = Double(SimulationModel.bucketCount)
            for i in 0..<n { share[i] = eligible[i] ? Double(bucketsOwned[i]) / buckets : 0 }
        case .leastConnections:
            // Least connections equalizes connections per unit of weight; with connections =
            // rate × latency (Little's law) that gives shares proportional to weight / latency.
            // Half of the step is taken each tick, like the damping of real connection counts.
            var target = [Double](repeating: 0, count: n)
            for i in 0..<n where eligible[i] {
                let latency = max(1, lastServiceTime[i] + lastWait[i] * 1000)
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
            for i in order { busy[i] = (lastInFlight[i] + liveQueue[i] + deadQueue[i]) / effectiveWeight[i] }
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

    /// Weighted rendezvous hashing (highest random weight): bucket b goes to the backend with
    /// the largest w / −ln(u(b, i)). Only buckets whose owner lost weight, and backends that
    /// gained weight, are looked at again, so one server leaving moves only its own users.
    mutating func updateBuckets(previous: [Double]) {
        let n = names.count
        var gained: [Int] = []
        var lost = false
        var changed = 0
        for i in 0..<n where effectiveWeight[i] != previous[i] {
            changed += 1
            if effectiveWeight[i] > previous[i] { gained.append(i) } else { lost = true }
        }
        let fresh = bucketOwner.allSatisfy { $0 < 0 }
        guard changed > 0 || fresh else { return }
        let full = fresh || changed * 4 > n
        for b in 0..<SimulationModel.bucketCount {
            let owner = Int(bucketOwner[b])
            if full || owner < 0 || (lost && effectiveWeight[owner] < previous[owner]) {
                var best = -1
                var bestScore = 0.0
                for i in 0..<n where effectiveWeight[i] > 0 {
                    let s = score(bucket: b, backend: i)
                    if best < 0 || s > bestScore {
                        best = i
                        bestScore = s
                    }
                }
                assign(bucket: b, to: best, score: bestScore)
            } else if owner >= 0, effectiveWeight[owner] > previous[owner] {
                // The owner gained weight: its own score rose; others may still beat it only if they gained too.
                bucketScore[b] = score(bucket: b, backend: owner)
                for i in gained where i != owner {
                    let s = score(bucket: b, backend: i)
                    if s > bucketScore[b] { assign(bucket: b, to: i, score: s) }
                }
            } else {
                for i in gained {
                    let s = score(bucket: b, backend: i)
                    if s > bucketScore[b] { assign(bucket: b, to: i, score: s) }
                }
            }
        }
    }

    @inline(__always)
    func score(bucket b: Int, backend i: Int) -> Double {
        let u = SplitMix64.unit(SplitMix64.mix(UInt64(b) &* 0x9E37_79B9_7F4A_7C15 ^ nameHashes[i]))
        return effectiveWeight[i] / -log(u)
    }

    mutating func assign(bucket b: Int, to backend: Int, score: Double) {
        let old = Int(bucketOwner[b])
        if old == backend {
            bucketScore[b] = score
            return
        }
        if old >= 0 {
            bucketAccumulated[b] += failureDensity[old] - bucketMark[b]
            bucketsOwned[old] -= 1
        }
        bucketOwner[b] = Int32(backend)
        bucketScore[b] = score
        if backend >= 0 {
            bucketMark[b] = failureDensity[backend]
            bucketsOwned[backend] += 1
        } else {
            bucketMark[b] = 0
        }
    }

    /// The fraction of users who have seen at least one failed request so far: per user bucket,
    /// failed requests per user `x` make `1 − e^−x` of its users affected (failures fall on users
    /// at random, a Poisson approximation).
    public var usersAffected: Double {
        let buckets = SimulationModel.bucketCount
        guard scenario.traffic.sticky else { return 1 - exp(-globalDensity) }
        var sum = 0.0
        for b in 0..<buckets {
            var x = bucketAccumulated[b] + globalDensity
            let owner = Int(bucketOwner[b])
            if owner >= 0 { x += failureDensity[owner] - bucketMark[b] }
            sum += 1 - exp(-x)
        }
        return sum / Double(buckets)
    }
}
