import WarRoomKit

/// One shell's part in a room on PostgreSQL: presence and the room's write lock are advisory
/// locks on the shell's own connection, keyed by the incident, so they need no table, and they
/// end with the connection: a shell that is killed stops counting at once, and one on a
/// machine that vanished within about 25 seconds (the server's TCP keepalives, which the shell
/// sets to 10 s idle and 3 probes 5 s apart).
///
/// Keys: `(hashtext('warroom room ' || incident || ' ' || secret), N)`, with N = the shell's id
/// (1 … 2³¹−1) for presence and N = 0 for the write lock. The secret is readable by the
/// schema's owner only and the locks are taken through functions only `warroom_writer` may run
/// (`warroom.lock_room`, `take_presence` …), so no other role can hold a room's lock.
extension PostgresTranscriptStore: RoomStore {
    public var isShared: Bool { true }

    public var login: String? { connection.role }

    public var secrets: [String] { connection.secrets }

    public func otherLogins() throws -> [Int: String] {
        try roomCall {
            let rows = try connection.execute("SELECT seq, login FROM warroom.entries WHERE incident = $1 AND login IS NOT NULL AND login <> by", [incident])
            var logins: [Int: String] = [:]
            for row in 0..<rows.count { if let seq = rows.int(row, 0), let login = rows.string(row, 1) { logins[seq] = login } }
            return logins
        }
    }

    public func enterRoom() throws -> Int {
        try roomCall {
            try prepareRoomConnection()
            // A random id, taken only if no other shell of the room holds it now.
            for _ in 0..<32 {
                let candidate = Int.random(in: 1...Int(Int32.max))
                if try takePresence(candidate) {
                    shell = candidate
                    return candidate
                }
            }
            throw PostgresStoreError.statementFailed(target: connection.target, sqlState: "55P03", message: "no free shell id after 32 tries")
        }
    }

    public func leaveRoom(shell: Int) {
        guard connection.isConnected else { return }
        _ = try? connection.execute("SELECT warroom.leave_presence($1, $2)", [incident, String(shell)])
        if self.shell == shell { self.shell = nil }
    }

    public func present(among shells: [Int]) throws -> Set<Int> {
        guard !shells.isEmpty else { return [] }
        return try roomCall {
            let rows = try connection.execute("SELECT warroom.present_shells($1, $2::bigint[])",
                                              [incident, "{" + shells.map(String.init).joined(separator: ",") + "}"])
            return Set((0..<rows.count).compactMap { rows.int($0, 0) })
        }
    }

    public func lockWrites() throws {
        if writeLockDepth == 0 {
            try roomCall {
                do {
                    _ = try connection.execute("SELECT warroom.lock_room($1)", [incident])
                } catch PostgresStoreError.statementFailed(_, "55P03", _) {
                    throw PostgresStoreError.statementFailed(target: connection.target, sqlState: "55P03",
                                                             message: "another shell has been recording for 10 s (the room's write lock); nothing was recorded, retry")
                }
            }
        }
        writeLockDepth += 1
    }

    public func unlockWrites() {
        guard writeLockDepth > 0 else { return }
        writeLockDepth -= 1
        if writeLockDepth == 0 { _ = try? connection.execute("SELECT warroom.unlock_room($1)", [incident]) }
    }

    public func mayWrite() throws -> Bool {
        try roomCall {
            try connection.execute("SELECT has_function_privilege('warroom.append_entries(text, bigint, text, text[])', 'EXECUTE')").string(0, 0) == "t"
        }
    }

    public var wakeDescriptor: Int32 {
        connection.isConnected ? connection.socketDescriptor : -1
    }

    /// No reconnection here: a connection that broke is reported at once, so the shell says
    /// so, reconnects in its own time and fetches what it missed.
    public func takeWakeups() throws -> Bool {
        let channel = Self.channel(for: incident)
        do {
            return try connection.notifications().contains { $0.channel == channel }
        } catch let error as PostgresStoreError where error.isUnreachable {
            throw TranscriptError.unreachable(path: location, reason: error.unreachableReason)
        }
    }

    // MARK: - Plumbing

    /// Settings for a shell's connection: a dead peer is noticed by the server within about
    /// 25 s (ignored on a Unix socket, where a closed process closes its end at once), and a
    /// shell waits at most 10 s for the room's write lock.
    func prepareRoomConnection() throws {
        try connection.executeScript("SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3; SET lock_timeout = '10s'")
    }

    /// Takes the presence lock of shell `id`; false when another connection holds it.
    func takePresence(_ id: Int) throws -> Bool {
        try connection.execute("SELECT warroom.take_presence($1, $2)", [incident, String(id)]).string(0, 0) == "t"
    }

    /// A room operation: when the connection turns out to be gone (the server restarted since
    /// the last call), one reconnection and one more try; a store still unreachable is
    /// reported as `TranscriptError.unreachable`.
    private func roomCall<T>(_ body: () throws -> T) throws -> T {
        do {
            if !connection.isConnected { try reconnect() }
            do {
                return try body()
            } catch PostgresStoreError.connectionLost {
                try reconnect()
                return try body()
            }
        } catch let error as PostgresStoreError where error.isUnreachable {
            throw TranscriptError.unreachable(path: location, reason: error.unreachableReason)
        }
    }
}
