/// A running HAProxy as the load balancer that probes read and `lb` commands change, through
/// its runtime API (`--target haproxy:/run/haproxy/admin.sock` or `haproxy:HOST:PORT`).
///
/// Opening never fails because HAProxy is unreachable: responders must still be able to take
/// notes. The problem is kept in `connectionProblem`, each call fails with it (trying again
/// first, so a restarted HAProxy is picked up by the next probe), and `reconnect()` retries
/// on demand.
///
/// A reference type because it has a lifetime: the backend it settled on and the last
/// problem seen persist between calls. It is not shared across threads.
public final class HAProxyTarget: LoadBalancerTarget {
    public let address: HAProxyAddress
    public let client: HAProxyClient
    /// The backend probes read and `lb` commands change; `nil` until HAProxy has been reached.
    public private(set) var backend: String?
    /// Why the last exchange with HAProxy failed to reach it or to make sense of it; `nil`
    /// once an exchange has worked.
    public private(set) var connectionProblem: HAProxyError?
    /// The backend's servers as last read.
    public private(set) var serverNames: [String] = []
    /// The frontend in front of the backend, whose counters probes set beside the backend's:
    /// the one named in the address, else the only frontend HAProxy has; `nil` otherwise.
    public private(set) var frontend: String?
    /// Reads the backend's counters at a fixed interval into the history every rate is taken from.
    public private(set) var sampler: HAProxySampler
    /// The HAProxy process last seen: its pid and when it started (now − `Uptime_sec`).
    public private(set) var process: (pid: Int, startedAt: Instant)?

    /// Opens the target and tries to reach HAProxy once; never throws.
    /// - Parameter address: where HAProxy's runtime API listens, and which backend to use.
    public init(address: HAProxyAddress) {
        self.address = address
        client = HAProxyClient(endpoint: address.endpoint, timeoutMilliseconds: address.timeoutMilliseconds)
        sampler = HAProxySampler(client: client)
        reconnect()
    }

    deinit {
        sampler.stop()
    }

    /// Starts reading HAProxy in the background at a fixed interval (1 s; 2 s for backends of
    /// more than 100 servers), so that windows are filled whatever the responders do. Without it,
    /// only probes take readings (tests that drive the clock themselves).
    /// - Parameter source: paces and stamps the readings; the session's own time source.
    public func startSampling(source: TimeSource) {
        if serverNames.count > 100, sampler.intervalMilliseconds < 2000, sampler.withHistory({ $0.count }) == 0 {
            sampler.stop()
            sampler = HAProxySampler(client: client, intervalMilliseconds: 2000)
            if let backend { sampler.watch(backend: backend, frontend: frontend) }
        }
        sampler.start(source: source)
    }

    /// Parses a `--target` text and opens the target.
    /// - Parameter text: `haproxy:PATH` or `haproxy:HOST:PORT`, optionally with `,backend=NAME`, `,timeout=2s`.
    /// - Throws: `HAProxyError.invalidAddress` only: an unreachable HAProxy is not an error here.
    public convenience init(address text: String) throws(HAProxyError) {
        self.init(address: try HAProxyAddress(parsing: text))
    }

    /// `haproxy:/run/haproxy/admin.sock`, with `,backend=NAME` when one was named.
    public var label: String { address.description }

    /// Reaches HAProxy again and settles the backend: the named one, or the only backend with servers.
    /// - Returns: the problem, or `nil` when HAProxy answered and the backend is settled.
    @discardableResult
    public func reconnect() -> HAProxyError? {
        do throws(HAProxyError) {
            let table = try client.showStat(types: .all)
            let chosen = try chooseBackend(in: table)
            backend = chosen
            serverNames = table.rows(of: .server, in: chosen).map(\.name)
            let frontends = table.rows(of: .frontend).map(\.proxy)
            if let named = address.frontend, !frontends.contains(named) {
                throw HAProxyError.noSuchFrontend(endpoint: client.endpoint.description, frontend: named, known: frontends)
            }
            frontend = address.frontend ?? (frontends.count == 1 ? frontends[0] : nil)
            sampler.watch(backend: chosen, frontend: frontend)
            connectionProblem = nil
        } catch {
            connectionProblem = error
        }
        return connectionProblem
    }

    // MARK: - Reading

    /// Reads every server of the backend.
    /// - Parameter now: the incident clock's time, stamped on the reading.
    /// - Throws: `HAProxyError` when HAProxy cannot be reached or the backend is gone.
    public func snapshot(at now: Instant) throws(HAProxyError) -> TargetSnapshot {
        try detailedSnapshot(at: now).targetSnapshot
    }

    /// Reads every server of the backend, with the figures only HAProxy has (`lbtot` …).
    /// - Parameter now: the incident clock's time, stamped on the reading.
    /// - Throws: `HAProxyError` when HAProxy cannot be reached or the backend is gone.
    public func detailedSnapshot(at now: Instant) throws(HAProxyError) -> HAProxySnapshot {
        let backend = try settledBackend()
        return HAProxySnapshot(at: now, backend: backend, servers: try readServers(of: backend))
    }

    /// `show info`: HAProxy's version, process id and uptime.
    /// - Throws: `HAProxyError` when HAProxy cannot be reached.
    public func info() throws(HAProxyError) -> HAProxyInfo {
        try tracked { () throws(HAProxyError) in try client.showInfo() }
    }

    /// `show servers state` for the backend: weights and administrative flags.
    /// - Throws: `HAProxyError` when HAProxy cannot be reached or the backend is gone.
    public func serversState() throws(HAProxyError) -> [HAProxyServerState] {
        let backend = try settledBackend()
        return try tracked { () throws(HAProxyError) in try client.showServersState(backend: backend) }
    }

    /// A restart or reload since the last look: a new pid, or a start time later than the one
    /// seen (HAProxy's counters, and weights set at run time, start again with it).
    public func lifeEvent(at now: Instant) -> (text: String, data: JSONObject)? {
        guard let info = try? info(), let pid = info.processID, let uptime = info.uptimeSeconds else { return nil }
        let startedAt = Instant(milliseconds: (now.milliseconds / 1000 - Int64(uptime)) * 1000)
        defer { process = (pid, startedAt) }
        // A start time read twice can differ by a second of rounding: only a new pid, or a start
        // well after the last, is a new process.
        guard let seen = process, seen.pid != pid || startedAt - seen.startedAt > 2000 else { return nil }
        let text = "HAProxy restarted or reloaded: pid \(seen.pid) → \(pid), running since \(startedAt.clockSeconds) (uptime \(uptime) s); "
            + "its counters start again there, and weights set at run time may be back to the file's"
        return (text, ["action": "restart", "changed": false, "source": "target", "by": "haproxy", "pid": .int(pid), "previous_pid": .int(seen.pid),
                       "started_at": .string(startedAt.iso8601), "target": .string(label)])
    }

    /// Servers whose live weight or state is not what HAProxy's configuration file says
    /// (`srv_uweight` against `srv_iweight`; maintenance or drain set at run time): at 3 am
    /// that difference is often the incident.
    /// - Returns: one phrase per server (`web1 weight 50 (the file says 100)`), in order.
    public func differencesFromTheFile() -> [(server: String, text: String)] {
        guard let states = try? serversState() else { return [] }
        return states.compactMap { state in
            var parts: [String] = []
            if state.userWeight != state.initialWeight { parts.append("weight \(state.userWeight) (the file says \(state.initialWeight))") }
            if state.adminFlags.contains(.forcedMaintenance) { parts.append("in maintenance, set at run time") }
            if state.adminFlags.contains(.forcedDrain) { parts.append("draining, set at run time") }
            return parts.isEmpty ? nil : (state.server, "\(state.server) " + parts.joined(separator: ", "))
        }
    }

    // MARK: - Changing

    /// Sets a server's weight and confirms it by reading it back with `get weight`.
    /// - Parameters:
    ///   - weight: 0 to 256, HAProxy's range.
    ///   - server: a server of the backend.
    ///   - now: the incident clock's time (HAProxy keeps its own).
    /// - Throws: `TargetError.unknownServer` for a name not in the backend; `HAProxyError`
    ///   when HAProxy refuses (`.levelTooLow` below `level admin`), cannot be reached, or does
    ///   not report the new weight afterwards (`.notConfirmed`).
    public func setWeight(_ weight: Int, server: String, at now: Instant) throws {
        let backend = try settledBackend()
        try checkServer(server, in: backend)
        try tracked { () throws(HAProxyError) in try client.setWeight(weight, backend: backend, server: server) }
        let readBack = try tracked { () throws(HAProxyError) in try client.weight(backend: backend, server: server) }
        guard readBack.current == weight else {
            throw HAProxyError.notConfirmed(endpoint: client.endpoint.description, command: "set server \(backend)/\(server) weight \(weight)",
                                           found: "weight \(readBack.current)")
        }
    }

    /// Points a server at `IP:PORT` and confirms it with `show servers state` (a rollback puts
    /// back an address someone changed at run time).
    /// - Throws: `TargetError.unknownServer`; `HAProxyError` when HAProxy refuses or does not
    ///   show the address afterwards (`.notConfirmed`).
    public func setAddress(_ address: String, server: String, at now: Instant) throws {
        let backend = try settledBackend()
        try checkServer(server, in: backend)
        var ip = address
        var port: Int?
        if let colon = address.lastIndex(of: ":"), let number = Int(address[address.index(after: colon)...]), !address[..<colon].contains(":") || address.hasPrefix("[") {
            ip = String(address[..<colon].filter { $0 != "[" && $0 != "]" })
            port = number
        }
        try tracked { () throws(HAProxyError) in try client.setAddress(ip: ip, port: port, backend: backend, server: server) }
        let states = try tracked { () throws(HAProxyError) in try client.showServersState(backend: backend) }
        let found = states.first { $0.server == server }?.endpoint
        guard found == address else {
            throw HAProxyError.notConfirmed(endpoint: client.endpoint.description, command: "set server \(backend)/\(server) addr \(ip)\(port.map { " port \($0)" } ?? "")",
                                           found: "address \(found ?? "none")")
        }
    }

    /// Puts a server in `ready`, `drain` or `maint` and confirms it with `show servers state`.
    /// - Parameters:
    ///   - state: the administrative state wanted.
    ///   - server: a server of the backend.
    ///   - now: the incident clock's time (HAProxy keeps its own).
    /// - Throws: `TargetError.unknownServer` for a name not in the backend; `HAProxyError`
    ///   when HAProxy refuses (`.levelTooLow` below `level admin`), cannot be reached, or the
    ///   server is not in that state afterwards (`.notConfirmed`, e.g. maintenance inherited
    ///   from a tracked server that `ready` cannot lift).
    public func setState(_ state: ServerAdminState, server: String, at now: Instant) throws {
        let backend = try settledBackend()
        try checkServer(server, in: backend)
        try tracked { () throws(HAProxyError) in try client.setState(state, backend: backend, server: server) }
        let states = try tracked { () throws(HAProxyError) in try client.showServersState(backend: backend) }
        let command = "set server \(backend)/\(server) state \(state.rawValue)"
        guard let reading = states.first(where: { $0.server == server }) else {
            throw HAProxyError.notConfirmed(endpoint: client.endpoint.description, command: command, found: "no server '\(server)' any more")
        }
        let wanted: HAProxyServerState.AdminFlags = state == .ready ? [] : state == .drain ? .forcedDrain : .forcedMaintenance
        let leftover = reading.adminFlags.subtracting(wanted).intersection(HAProxyServerState.AdminFlags.anyMaintenance.union(.anyDrain))
        guard reading.adminState == state, reading.adminFlags.isSuperset(of: wanted), state != .ready || leftover.isEmpty else {
            throw HAProxyError.notConfirmed(endpoint: client.endpoint.description, command: command,
                                           found: "state \(reading.adminState.rawValue) (srv_admin_state \(reading.adminFlags.rawValue))")
        }
    }

    // MARK: - Plumbing

    /// The backend to use, reaching HAProxy first when it has not been reached yet.
    func settledBackend() throws(HAProxyError) -> String {
        if let backend { return backend }
        if let problem = reconnect() { throw problem }
        guard let backend else { throw HAProxyError.backendNotChosen(endpoint: client.endpoint.description, backendsWithServers: [], allBackends: []) }
        return backend
    }

    private func chooseBackend(in table: HAProxyStatTable) throws(HAProxyError) -> String {
        let all = table.backends
        if let named = address.backend {
            guard all.contains(named) else {
                throw HAProxyError.noSuchBackend(endpoint: client.endpoint.description, backend: named, known: all)
            }
            return named
        }
        let withServers = table.backendsWithServers
        guard withServers.count == 1 else {
            throw HAProxyError.backendNotChosen(endpoint: client.endpoint.description, backendsWithServers: withServers, allBackends: all)
        }
        return withServers[0]
    }

    /// Unknown names are caught here, with suggestions, rather than by HAProxy's bare `No such server.`.
    private func checkServer(_ server: String, in backend: String) throws {
        if serverNames.contains(server) { return }
        // The list may predate a reload that added the server: read it again before refusing.
        _ = try readServers(of: backend)
        guard serverNames.contains(server) else { throw TargetError.unknownServer(name: server, known: serverNames) }
    }

    /// One `show stat` of the backend's servers; keeps `serverNames` current.
    private func readServers(of backend: String) throws(HAProxyError) -> [HAProxyServerStats] {
        let table = try tracked { () throws(HAProxyError) in try client.showStat(proxy: backend, types: .servers) }
        let servers = table.rows(of: .server, in: backend).map(HAProxyServerStats.init(row:))
        serverNames = servers.map(\.stats.name)
        return servers
    }

    /// Runs one exchange, keeping `connectionProblem` up to date, and names the known backends
    /// when HAProxy says the backend is gone (after a reload that renamed it).
    func tracked<T>(_ body: () throws(HAProxyError) -> T) throws(HAProxyError) -> T {
        do throws(HAProxyError) {
            let result = try body()
            connectionProblem = nil
            return result
        } catch .noSuchBackend(let endpoint, let name, _) {
            let known = (try? client.showStat(types: .backends))?.backends ?? []
            // An automatically chosen backend is chosen again next time; a named one stays named.
            if address.backend == nil { backend = nil }
            let error = HAProxyError.noSuchBackend(endpoint: endpoint, backend: name, known: known)
            connectionProblem = error
            throw error
        } catch {
            if error.isConnectionProblem { connectionProblem = error }
            throw error
        }
    }
}
