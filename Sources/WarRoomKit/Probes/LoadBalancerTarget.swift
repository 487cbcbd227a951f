/// Statistics of one server, named as HAProxy's `show stat` names them so that one set of
/// probes serves the simulation and a real HAProxy alike.
public struct ServerStats: Sendable, Equatable {
    /// `pxname`: the backend (proxy) the server belongs to.
    public var backend: String
    /// `svname`: the server's name.
    public var name: String
    /// `status`: `UP`, `DOWN`, `DRAIN`, `MAINT`, `NOLB`, or a transition such as `UP 1/3`, `DOWN 1/2`.
    public var status: String
    /// `weight`: the effective weight.
    public var weight: Int
    /// `scur`: current sessions.
    public var scur: Int
    /// `qcur`: requests queued for this server.
    public var qcur: Int
    /// `stot`: sessions (requests) since start; probes take deltas between two readings.
    public var stot: Int
    /// `rate`: sessions per second over the last second.
    public var rate: Double
    /// `hrsp_5xx`: 5xx responses since start.
    public var hrsp5xx: Int
    /// `econ`: connection errors since start.
    public var econ: Int
    /// `eresp`: response errors (including server timeouts) since start.
    public var eresp: Int
    /// `chkfail`: failed health checks since start.
    public var chkfail: Int
    /// `lastchg`: seconds since the last UP/DOWN transition.
    public var lastchg: Int
    /// `rtime`: average response time in ms over the last 1024 requests.
    public var rtime: Int
    /// `ttime`: average total session time in ms over the last 1024 requests.
    public var ttime: Int
    /// `check_status`: the last health check's result (`L7OK`, `L4TOUT`, `L4CON`, …).
    public var checkStatus: String

    public init(backend: String, name: String, status: String, weight: Int, scur: Int = 0, qcur: Int = 0, stot: Int = 0,
                rate: Double = 0, hrsp5xx: Int = 0, econ: Int = 0, eresp: Int = 0, chkfail: Int = 0, lastchg: Int = 0,
                rtime: Int = 0, ttime: Int = 0, checkStatus: String = "")
    {
        self.backend = backend
        self.name = name
        self.status = status
        self.weight = weight
        self.scur = scur
        self.qcur = qcur
        self.stot = stot
        self.rate = rate
        self.hrsp5xx = hrsp5xx
        self.econ = econ
        self.eresp = eresp
        self.chkfail = chkfail
        self.lastchg = lastchg
        self.rtime = rtime
        self.ttime = ttime
        self.checkStatus = checkStatus
    }
}

/// A reading of every server of the target's backend at one moment.
public struct TargetSnapshot: Sendable, Equatable {
    /// Incident-clock time of the reading.
    public var at: Instant
    /// The backend the servers belong to.
    public var backend: String
    public var servers: [ServerStats]

    public init(at: Instant, backend: String, servers: [ServerStats]) {
        self.at = at
        self.backend = backend
        self.servers = servers
    }
}

/// The administrative state an operator can put a server in.
public enum ServerAdminState: String, Sendable, CaseIterable {
    /// In rotation.
    case ready
    /// Takes no new users (sticky users and new sessions go elsewhere); existing work finishes.
    case drain
    /// Out of rotation entirely; takes nothing.
    case maint
}

/// Errors a target reports; each message says what failed, where, and what to do.
public enum TargetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The target cannot be reached (socket missing, refused, timed out …).
    case unreachable(target: String, reason: String)
    /// The target answered with something that is not what it should send.
    case protocolError(target: String, reason: String)
    /// The target refused a command (HAProxy's own error line, or a level that forbids it).
    case refused(target: String, command: String, reason: String)
    /// No server of that name in the backend.
    case unknownServer(name: String, known: [String])
    /// The target cannot do this at all (e.g. a probe that needs data only the simulation has).
    case unsupported(target: String, what: String)

    public var description: String {
        switch self {
        case .unreachable(let target, let reason):
            return "cannot reach \(target): \(reason); check the address and that the load balancer is running, then retry"
        case .protocolError(let target, let reason):
            return "unexpected answer from \(target): \(reason)"
        case .refused(let target, let command, let reason):
            return "\(target) refused '\(command)': \(reason)"
        case .unknownServer(let name, let known):
            return "no backend server named '\(name)'\(Suggest.hint(for: name, in: known)); servers: \(known.joined(separator: ", "))"
        case .unsupported(let target, let what):
            return "\(target) cannot provide \(what)"
        }
    }
}

/// Something probes can read and `lb` commands can change: the built-in simulation, or a
/// real HAProxy through its runtime API.
///
/// Requirements beyond the core (traffic sources, dependencies, percentiles …) are added with
/// default implementations that throw `TargetError.unsupported`, so every target compiles and
/// says plainly what it cannot answer.
public protocol LoadBalancerTarget: AnyObject {
    /// How the target is named in messages and the transcript (`sim:lb-misconfig-2023-11-05`, `haproxy:/run/haproxy.sock`).
    var label: String { get }

    /// Reads every server's statistics.
    /// - Parameter now: the incident clock's time (the simulation advances to it first).
    func snapshot(at now: Instant) throws -> TargetSnapshot

    /// Sets a server's weight.
    func setWeight(_ weight: Int, server: String, at now: Instant) throws

    /// Sets a server's administrative state.
    func setState(_ state: ServerAdminState, server: String, at now: Instant) throws
}
