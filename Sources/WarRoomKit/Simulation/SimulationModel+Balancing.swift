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
            let buckets = Double(bucketCount)
            for i in 0..<n { share[i] = eligible[i] ? Double(bucketsOwned[i]) / buckets : 0 }
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
    /// backend is in rotation. A server leaving rotation hands only its own buckets to the
    /// next points (spread over the survivors); coming back, it takes the same buckets again.
    /// The ring is rebuilt only when weights or the algorithm change, not when health changes.
    mutating func updateBuckets(previous: [Double]) {
        let n = names.count
        var ring = [Double](repeating: 0, count: n)
        for i in 0..<n where weight[i] > 0 { ring[i] = algorithm == .roundRobin ? 1 : Double(weight[i]) }
        if ring != ringWeights || ringPositions.isEmpty {
            ringWeights = ring
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
        for j in 0..<n where (effectiveWeight[j] > 0) != (previous[j] > 0) {
            for k in Int(ringPointsStart[j])..<Int(ringPointsStart[j + 1]) {
                let p = Int(ringPointsList[k])
                let target = eligible[j] ? j : firstEligibleOwner(from: p + 1 == points ? 0 : p + 1)
                var q = p
                repeat {
                    for slot in Int(pointBuckets[q])..<Int(pointBuckets[q + 1]) {
                        let b = Int(bucketsByPoint[slot])
                        if Int(bucketOwner[b]) != target { assign(bucket: b, to: target) }
                    }
                    q = q == 0 ? points - 1 : q - 1
                } while q != p && !eligible[Int(ringOwners[q])]
            }
        }
    }

    /// The backend of the first point at or after `start` whose server is in rotation (−1 when none is).
    func firstEligibleOwner(from start: Int) -> Int {
        let points = ringOwners.count
        guard eligibleCount > 0, points > 0 else { return -1 }
        var p = start
        for _ in 0..<points {
            let candidate = Int(ringOwners[p])
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
            let pointsTotal = Double(max(SimulationModel.minimumRingPoints, SimulationModel.bucketsPerBackend * n))
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
        pointBuckets = [Int32](repeating: 0, count: points + 1)
        for b in 0..<bucketCount { pointBuckets[Int(bucketStart[b]) + 1] += 1 }
        for p in 0..<points { pointBuckets[p + 1] += pointBuckets[p] }
        var fill = pointBuckets
        bucketsByPoint = [Int32](repeating: 0, count: bucketCount)
        for b in 0..<bucketCount {
            let p = Int(bucketStart[b])
            bucketsByPoint[Int(fill[p])] = Int32(b)
            fill[p] += 1
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

    /// The fraction of users who have seen at least one failed request so far: per user bucket,
    /// failed requests per user `x` make `1 − e^−x` of its users affected (failures fall on users
    /// at random, a Poisson approximation).
    public var usersAffected: Double {
        let buckets = bucketCount
        guard scenario.traffic.sticky else { return 1 - exp(-globalDensity) }
        var sum = 0.0
        for b in 0..<buckets {
            var x = bucketAccumulated[b] + globalDensity
            let owner = Int(bucketOwner[b])
            if owner >= 0 { x += self[.failureDensity, owner] - bucketMark[b] }
            sum += 1 - exp(-x)
        }
        return sum / Double(buckets)
    }
}
