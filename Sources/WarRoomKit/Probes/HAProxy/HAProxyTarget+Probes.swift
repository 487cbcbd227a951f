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
            LoadBalancerConfiguration.Server(name: state.server, weight: state.userWeight, state: state.adminState)
        }
        return LoadBalancerConfiguration(algorithm: nil, servers: servers)
    }

    /// HAProxy keeps no latency distribution, so there are no percentiles to show.
    /// - Throws: always `TargetError.unsupported`, naming where the averages it does keep are shown.
    public func latency(at now: Instant) throws -> LatencyReading {
        throw TargetError.unsupported(
            target: label,
            what: "latency percentiles: HAProxy keeps only each server's average response and session times over its last 1024 requests, which `probe backend NAME` shows")
    }
}
