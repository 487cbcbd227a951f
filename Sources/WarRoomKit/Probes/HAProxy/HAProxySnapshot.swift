/// A reading of the target backend's servers with what only HAProxy reports (`lbtot` …);
/// `targetSnapshot` is the part every target shares.
public struct HAProxySnapshot: Sendable, Equatable {
    /// Incident-clock time of the reading.
    public var at: Instant
    public var backend: String
    public var servers: [HAProxyServerStats]

    public init(at: Instant, backend: String, servers: [HAProxyServerStats]) {
        self.at = at
        self.backend = backend
        self.servers = servers
    }

    /// The reading as every `LoadBalancerTarget` reports it.
    public var targetSnapshot: TargetSnapshot {
        TargetSnapshot(at: at, backend: backend, servers: servers.map(\.stats))
    }
}
