/// One reading of HAProxy's counters for the watched backend: the backend's own line, the
/// frontend in front of it (when known), and each server's line, as the sampler keeps them.
public struct HAProxyStatSample: Sendable, Equatable {
    /// The backend and frontend lines, with sums over the servers.
    public struct Pool: Sendable, Equatable {
        /// Backend `stot`: requests the backend handled, including those HAProxy answered itself.
        public var requests: UInt64
        /// Backend `hrsp_5xx`: every 5xx sent for the backend's requests.
        public var serverErrors: UInt64
        /// Backend `econ`: connections that failed, including requests that never got a server
        /// (queue timeouts, no server available).
        public var connectionErrors: UInt64
        /// Backend `eresp`.
        public var responseErrors: UInt64
        /// Backend `wretr` and `wredis`.
        public var retries: UInt64
        public var redispatches: UInt64
        /// Backend `qcur`: requests waiting for a server now.
        public var queued: UInt64
        /// Whether the backend had a server to send requests to (its `status` is not `DOWN`).
        public var hasServer: Bool
        /// Sums of the servers' `hrsp_5xx`, `econ`, `eresp`.
        public var serversServerErrors: UInt64
        public var serversConnectionErrors: UInt64
        public var serversResponseErrors: UInt64
        /// The frontend's `req_tot`, `hrsp_5xx`, `req_rate` and `req_rate_max`, when a frontend is watched.
        public var frontendRequests: UInt64?
        public var frontendServerErrors: UInt64?
        public var frontendRate: Double?
        public var frontendRateMax: Double?

        public init(requests: UInt64 = 0, serverErrors: UInt64 = 0, connectionErrors: UInt64 = 0, responseErrors: UInt64 = 0, retries: UInt64 = 0,
                    redispatches: UInt64 = 0, queued: UInt64 = 0, hasServer: Bool = true, serversServerErrors: UInt64 = 0, serversConnectionErrors: UInt64 = 0,
                    serversResponseErrors: UInt64 = 0, frontendRequests: UInt64? = nil, frontendServerErrors: UInt64? = nil, frontendRate: Double? = nil,
                    frontendRateMax: Double? = nil)
        {
            self.requests = requests
            self.serverErrors = serverErrors
            self.connectionErrors = connectionErrors
            self.responseErrors = responseErrors
            self.retries = retries
            self.redispatches = redispatches
            self.queued = queued
            self.hasServer = hasServer
            self.serversServerErrors = serversServerErrors
            self.serversConnectionErrors = serversConnectionErrors
            self.serversResponseErrors = serversResponseErrors
            self.frontendRequests = frontendRequests
            self.frontendServerErrors = frontendServerErrors
            self.frontendRate = frontendRate
            self.frontendRateMax = frontendRateMax
        }
    }

    /// One server's counters, kept in 32 bits (about 40 bytes a server a sample): differences
    /// between two readings a second or two apart never come near 2³², so they are taken
    /// modulo 2³², and a restart of HAProxy is told apart by the backend's 64-bit counters.
    public struct Server: Sendable, Equatable {
        public var requests: UInt32
        public var serverErrors: UInt32
        public var connectionErrors: UInt32
        public var responseErrors: UInt32
        public var checksFailed: UInt32
        public var downs: UInt32
        public var downtime: UInt32
        public var sessions: UInt32
        public var queued: UInt32
        /// `uweight` (the weight as set), else `weight`.
        public var weight: UInt16
        public var state: State

        /// A server's status reduced to what the history needs.
        public enum State: UInt8, Sendable {
            case up, upFailingChecks, down, drain, maint, other

            /// From `show stat`'s `status` text.
            public init(status: String) {
                let text = HAProxyServerStats.status(from: status)
                if text == "UP" { self = .up } else if text.hasPrefix("UP") { self = .upFailingChecks } else if text.hasPrefix("DOWN") {
                    self = .down
                } else if text.hasPrefix("DRAIN") { self = .drain } else if text.hasPrefix("MAINT") { self = .maint } else { self = .other }
            }

            /// Administrative states an operator sets (the sampler notes when they change).
            var isAdministrative: Bool { self == .drain || self == .maint }
        }

        public init(requests: UInt32 = 0, serverErrors: UInt32 = 0, connectionErrors: UInt32 = 0, responseErrors: UInt32 = 0, checksFailed: UInt32 = 0,
                    downs: UInt32 = 0, downtime: UInt32 = 0, sessions: UInt32 = 0, queued: UInt32 = 0, weight: UInt16 = 0, state: State = .up)
        {
            self.requests = requests
            self.serverErrors = serverErrors
            self.connectionErrors = connectionErrors
            self.responseErrors = responseErrors
            self.checksFailed = checksFailed
            self.downs = downs
            self.downtime = downtime
            self.sessions = sessions
            self.queued = queued
            self.weight = weight
            self.state = state
        }
    }

    /// When it was read (the injected time source's wall time: the incident clock of a session on HAProxy).
    public var at: Instant
    public var pool: Pool
    /// In the order of `serverNames`.
    public var servers: [Server]
    public var serverNames: [String]
    /// Each server's `slim` (its `maxconn`; 0 when none was configured).
    public var sessionLimits: [Int]

    public init(at: Instant, pool: Pool, servers: [Server], serverNames: [String], sessionLimits: [Int]) {
        self.at = at
        self.pool = pool
        self.servers = servers
        self.serverNames = serverNames
        self.sessionLimits = sessionLimits
    }

    /// Reads a sample from `show stat` rows.
    /// - Parameters:
    ///   - at: the time of the reading.
    ///   - backend: the watched backend's name.
    ///   - table: rows of the backend and its servers.
    ///   - frontend: the frontend's row, when one is watched.
    /// - Returns: `nil` when the table has no line for the backend.
    public init?(at: Instant, backend: String, table: HAProxyStatTable, frontend: HAProxyStatRow?) {
        guard let row = table.rows(of: .backend, in: backend).first else { return nil }
        let serverRows = table.rows(of: .server, in: backend)
        func u64(_ row: HAProxyStatRow, _ column: String) -> UInt64 { UInt64(max(0, row.int(column))) }
        func u32(_ row: HAProxyStatRow, _ column: String) -> UInt32 { UInt32(truncatingIfNeeded: max(0, row.int(column))) }
        var pool = Pool(requests: u64(row, "stot"), serverErrors: u64(row, "hrsp_5xx"), connectionErrors: u64(row, "econ"), responseErrors: u64(row, "eresp"),
                        retries: u64(row, "wretr"), redispatches: u64(row, "wredis"), queued: u64(row, "qcur"),
                        hasServer: !(row["status"] ?? "").hasPrefix("DOWN"))
        var servers: [Server] = []
        servers.reserveCapacity(serverRows.count)
        for server in serverRows {
            pool.serversServerErrors += u64(server, "hrsp_5xx")
            pool.serversConnectionErrors += u64(server, "econ")
            pool.serversResponseErrors += u64(server, "eresp")
            let weight = server["uweight"].flatMap { $0.isEmpty ? nil : Int($0) } ?? server.int("weight")
            servers.append(Server(requests: u32(server, "stot"), serverErrors: u32(server, "hrsp_5xx"), connectionErrors: u32(server, "econ"),
                                  responseErrors: u32(server, "eresp"), checksFailed: u32(server, "chkfail"), downs: u32(server, "chkdown"),
                                  downtime: u32(server, "downtime"), sessions: u32(server, "scur"), queued: u32(server, "qcur"),
                                  weight: UInt16(clamping: weight), state: Server.State(status: server["status"] ?? "")))
        }
        if let frontend {
            pool.frontendRequests = u64(frontend, "req_tot")
            pool.frontendServerErrors = u64(frontend, "hrsp_5xx")
            pool.frontendRate = frontend.double("req_rate")
            pool.frontendRateMax = frontend.double("req_rate_max")
        }
        self.init(at: at, pool: pool, servers: servers, serverNames: serverRows.map(\.name), sessionLimits: serverRows.map { $0.int("slim") })
    }
}
