/// One server's `show stat` line as probes use it: the shared `ServerStats`, plus what only
/// HAProxy has (`lbtot`, the raw status text, the health check's description).
public struct HAProxyServerStats: Sendable, Equatable {
    /// The fields every target reports, with `status` reduced to the shared vocabulary.
    public var stats: ServerStats
    /// `lbtot`: times the load-balancing algorithm chose this server (excludes sticky and
    /// redispatched sessions, so it shows the algorithm's share where `stot` shows the load).
    public var lbtot: Int
    /// `status` exactly as HAProxy wrote it (`MAINT (via app/web1)`, `no check` …).
    public var rawStatus: String
    /// `addr`: the server's address and port.
    public var address: String
    /// `check_desc`: the last health check in words (`Layer4 connection problem`).
    public var checkDescription: String
    /// `last_chk`: the last health check's detail (`Connection refused`, an HTTP status line …).
    public var lastCheck: String
    /// `downtime`: seconds spent DOWN since start.
    public var downtime: Int

    public init(stats: ServerStats, lbtot: Int = 0, rawStatus: String? = nil, address: String = "", checkDescription: String = "",
                lastCheck: String = "", downtime: Int = 0)
    {
        self.stats = stats
        self.lbtot = lbtot
        self.rawStatus = rawStatus ?? stats.status
        self.address = address
        self.checkDescription = checkDescription
        self.lastCheck = lastCheck
        self.downtime = downtime
    }

    /// Reads a server line of `show stat`.
    /// - Parameter row: a row whose kind is `.server`.
    public init(row: HAProxyStatRow) {
        let raw = row["status"] ?? ""
        self.init(
            stats: ServerStats(
                backend: row.proxy, name: row.name, status: Self.status(from: raw), weight: row.int("weight"),
                scur: row.int("scur"), qcur: row.int("qcur"), stot: row.int("stot"), rate: row.double("rate"),
                hrsp5xx: row.int("hrsp_5xx"), econ: row.int("econ"), eresp: row.int("eresp"), chkfail: row.int("chkfail"),
                lastchg: row.int("lastchg"), rtime: row.int("rtime"), ttime: row.int("ttime"), checkStatus: row["check_status"] ?? "",
                chkdown: row.int("chkdown"), downtime: row.int("downtime"), statusText: raw),
            lbtot: row.int("lbtot"), rawStatus: raw, address: row["addr"] ?? "", checkDescription: row["check_desc"] ?? "",
            lastCheck: row["last_chk"] ?? "", downtime: row.int("downtime"))
    }

    /// HAProxy's status text in the vocabulary probes share with the simulation: the reason
    /// in parentheses goes (`MAINT (via app/web1)` is `MAINT`), and a server without health
    /// checks (`no check`) is in rotation, so `UP`. Transitions such as `UP 1/3` stay as they are.
    public static func status(from raw: String) -> String {
        if raw == "no check" { return "UP" }
        if let open = raw.range(of: " (") { return String(raw[..<open.lowerBound]) }
        if let open = raw.firstIndex(of: "(") { return String(raw[..<open]).trimmingSuffixSpaces() }
        return raw
    }
}

private extension String {
    func trimmingSuffixSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
