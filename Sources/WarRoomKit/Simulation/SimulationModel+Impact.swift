import Foundation

/// Where each user bucket's count of incident failures stood at one instant, so that the users
/// affected between two instants can be measured (`SimulationModel.usersAffected(since:)`).
public struct UserImpactMark: Sendable, Equatable {
    /// The model's time when the mark was taken.
    public let at: Instant
    /// Incident failures per user so far, per user bucket (empty without sticky users).
    let perBucket: [Double]
    /// Incident failures per user spread over everyone so far.
    let global: Double
}

/// Users affected: the one definition probes, `simulate` and the postmortem share.
///
/// A user is affected when one of their requests failed *because of the incident*: timed
/// out, was refused by an overloaded server or lost on a network worse than normal, found no
/// server in rotation, was turned away by the rate limit, or got a 5xx above the normal rate
/// (a database failing more than usual). Failures at the scenario's normal background rate
/// (a backend's own `error_rate`, the database's normal `error_rate`, the network's normal
/// `loss`) do not count, so the figure stays flat on a healthy service however long it runs.
///
/// Failures fall on a bucket's users at random (a Poisson approximation): with `x` incident
/// failures per user in a span, `1 − e^(−x)` of the bucket's users were affected in it.
extension SimulationModel {
    /// A mark of where each user's incident failures stand now; measure from it later with
    /// `usersAffected(since:)`.
    public func impactMark() -> UserImpactMark {
        UserImpactMark(at: now, perBucket: scenario.traffic.sticky ? bucketFailures() : [], global: globalDensity)
    }

    /// The share of users (0…1) who had a request fail because of the incident between
    /// `mark` and the model's time now.
    ///
    /// The postmortem re-runs a drill's simulation, takes a mark at the impact's start and
    /// reads this at mitigation (or resolution):
    ///
    ///     let target = SimulatedTarget(scenario: scenario)
    ///     let start = target.impactMark(at: impactStart)          // lb changes applied on the way, as the re-run does
    ///     let share = target.usersAffected(since: start, at: mitigated)
    ///
    /// - Parameter mark: taken earlier on this model (or a model run identically).
    /// - Returns: the share of the scenario's `users`.
    public func usersAffected(since mark: UserImpactMark) -> Double {
        let global = max(0, globalDensity - mark.global)
        guard scenario.traffic.sticky, mark.perBucket.count == bucketCount else { return 1 - exp(-global) }
        let now = bucketFailures()
        var unaffected = 0.0
        for b in 0..<bucketCount { unaffected += exp(-max(0, now[b] - mark.perBucket[b])) }
        return 1 - unaffected * exp(-global) / Double(bucketCount)
    }

    /// Runs the model from wherever it is to `start`, then to `end`, and returns the share of
    /// users affected between the two (0 when `end` is not after `start`). Scenario events
    /// happen on the way; for responders' changes, take a mark with `impactMark()` and apply
    /// them in between instead.
    /// - Parameters:
    ///   - start: impact start; a model already past it measures from where it is.
    ///   - end: mitigation, or resolution.
    public mutating func usersAffected(from start: Instant, through end: Instant) -> Double {
        advance(to: start)
        let mark = impactMark()
        guard end > mark.at else { return 0 }
        advance(to: end)
        return usersAffected(since: mark)
    }

    /// Incident failures per user of each bucket so far, not counting the global part.
    func bucketFailures() -> [Double] {
        (0..<bucketCount).map { b in
            let owner = Int(bucketOwner[b])
            return bucketAccumulated[b] + (owner >= 0 ? self[.failureDensity, owner] - bucketMark[b] : 0)
        }
    }
}

extension SimulatedTarget {
    /// Advances to `now` and marks where each user's incident failures stand (see
    /// `SimulationModel.impactMark()`).
    public func impactMark(at now: Instant) -> UserImpactMark {
        advance(to: now)
        return model.impactMark()
    }

    /// Advances to `now` and returns the share of users who had a request fail because of the
    /// incident since `mark` (see `SimulationModel.usersAffected(since:)`).
    public func usersAffected(since mark: UserImpactMark, at now: Instant) -> Double {
        advance(to: now)
        return model.usersAffected(since: mark)
    }
}
