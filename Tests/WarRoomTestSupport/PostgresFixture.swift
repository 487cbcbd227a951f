import Foundation
import WarRoomKit
import WarRoomPostgres

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real PostgreSQL server for tests, in a temporary folder, on a Unix socket only (no TCP),
/// owned by an unprivileged user: `initdb` refuses root, so when the tests run as root (CI
/// does) the server runs as the `postgres` user the Debian package creates.
///
/// `PostgresServer.shared()` is the one server of the test process (started on first use,
/// stopped when the process exits); each test takes a fresh database from it with
/// `createDatabase()`. A test that restarts the server starts a private one with `init()`.
/// Local connections by the superuser `postgres` are trusted; every other role logs in with a
/// SCRAM password, so tests exercise passwords in URLs. Durability is off (`fsync=off`): it
/// is the tests' server, not the benchmark's.
public final class PostgresServer: @unchecked Sendable {
    // `@unchecked`: the mutable state (`running`, the database counter) is touched under `lock`.

    /// What can stop the fixture; each says what to do.
    public enum Failure: Error, CustomStringConvertible {
        /// No PostgreSQL server binaries on this machine.
        case notInstalled(searched: [String])
        /// Running as root, but there is no unprivileged user to run the server as.
        case noUnprivilegedUser
        /// A step (initdb, pg_ctl) failed.
        case step(String, status: Int32, output: String)

        public var description: String {
            switch self {
            case .notInstalled(let searched):
                return "PostgreSQL is not installed (no initdb in \(searched.joined(separator: ", "))): these tests need a real server; install it with `apt-get install postgresql libpq-dev` (scripts/setup test does) or set PG_BIN to its bin folder"
            case .noUnprivilegedUser:
                return "running as root, and there is no 'postgres' user to run the test server as (initdb refuses root); install Debian's postgresql package, which creates it"
            case .step(let step, let status, let output):
                return "\(step) exited with status \(status): \(output)"
            }
        }
    }

    /// The folder with the data directory, the socket and the log.
    public let folder: String
    /// The socket directory (libpq's `host`).
    public var socketFolder: String { folder }
    public let superuser = "postgres"
    private let binaries: String
    private let runAs: String?
    private let lock = NSLock()
    private var running = false
    private var databases = 0

    private nonisolated(unsafe) static var sharedServer: PostgresServer?
    private static let sharedLock = NSLock()

    /// The test process's server, started on first use and stopped when the process exits.
    /// - Throws: `Failure` when it cannot start.
    public static func shared() throws -> PostgresServer {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let sharedServer { return sharedServer }
        let server = try PostgresServer()
        sharedServer = server
        atexit {
            PostgresServer.sharedServer?.stop(removing: true)
        }
        return server
    }

    /// Whether a commit is acknowledged only once its WAL is written (what a crash test needs:
    /// an acknowledged entry must survive `crash()`); the shared server trades that for speed.
    public let durable: Bool

    /// Whether it streams its WAL to standbys (`startStandby()`).
    public let replicating: Bool
    /// For a standby: the primary it was copied from (its data folder is then a base backup).
    private let primaryFolder: String?

    /// Creates and starts a server of its own (for a test that stops or restarts it).
    /// - Parameters:
    ///   - durable: acknowledge a commit only once its WAL is written.
    ///   - replicating: keep WAL for standbys, and let them connect.
    public init(durable: Bool = false, replicating: Bool = false) throws {
        self.durable = durable
        self.replicating = replicating
        primaryFolder = nil
        binaries = try Self.findBinaries()
        if geteuid() == 0 {
            guard getpwnam("postgres") != nil else { throw Failure.noUnprivilegedUser }
            runAs = "postgres"
        } else {
            runAs = nil
        }
        folder = "/tmp/warroom-pg-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        if let runAs, let user = getpwnam(runAs) {
            chown(folder, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        do {
            try run("initdb", ["-D", "\(folder)/data", "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"])
            let hba = """
                local all \(superuser) trust
                local replication \(superuser) trust
                local all all scram-sha-256

                """
            try runWriting(hba, to: "\(folder)/data/pg_hba.conf")
            try start()
        } catch {
            stop(removing: true)
            throw error
        }
    }

    deinit {
        stop(removing: true)
    }

    /// Starts the server (again) and waits until it accepts connections.
    public func start() throws {
        var options = "-c listen_addresses='' -c unix_socket_directories='\(folder)' -c fsync=off -c synchronous_commit=\(durable ? "on" : "off") -c full_page_writes=off -c max_connections=200"
        if replicating || primaryFolder != nil { options += " -c wal_level=replica -c max_wal_senders=4 -c hot_standby=on" }
        try run("pg_ctl", ["-D", "\(folder)/data", "-l", "\(folder)/log", "-o", options, "-w", "-t", "60", "start"])
        lock.withLock { running = true }
    }

    /// Stops the server (`-m fast`: clients are disconnected, as when a database restarts).
    public func stopServer() throws {
        try run("pg_ctl", ["-D", "\(folder)/data", "-m", "fast", "-w", "-t", "60", "stop"])
        lock.withLock { running = false }
    }

    /// A hot standby of this server (which must be `replicating`), copied with `pg_basebackup`
    /// and streaming from it, in a folder and on a socket of its own; the server then waits
    /// for it to have each commit before acknowledging it (synchronous replication).
    public func startStandby() throws -> PostgresServer {
        let standby = try PostgresServer(standbyOf: self)
        let admin = try connection(database: "postgres")
        defer { admin.close() }
        for _ in 0..<300 {
            if try admin.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").int(0, 0) ?? 0 > 0 { break }
            usleep(20_000)
        }
        try admin.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
        try admin.execute("SELECT pg_reload_conf()")
        for _ in 0..<500 {
            if try admin.execute("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'").int(0, 0) ?? 0 > 0 { return standby }
            usleep(20_000)
        }
        throw Failure.step("synchronous replication", status: 1, output: "the standby never became synchronous")
    }

    private init(standbyOf primary: PostgresServer) throws {
        durable = primary.durable
        replicating = false
        primaryFolder = primary.folder
        binaries = primary.binaries
        runAs = primary.runAs
        folder = "/tmp/warroom-pg-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        if let runAs, let user = getpwnam(runAs) {
            chown(folder, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        do {
            try run("pg_basebackup", ["-D", "\(folder)/data", "-h", primary.folder, "-U", superuser, "-R", "-X", "stream", "-c", "fast", "--no-sync"])
            try start()
        } catch {
            stop(removing: true)
            throw error
        }
    }

    /// Kills the server as a machine crash does: SIGKILL to the postmaster and every process
    /// it started, nothing flushed or said to clients.
    public func kill9() {
        let pidText = try? String(contentsOfFile: "\(folder)/data/postmaster.pid", encoding: .utf8)
        guard let line = pidText?.split(separator: "\n").first, let pid = Int32(line), pid > 0 else { return }
        kill(pid, SIGKILL)
        for child in Self.children(of: pid) { kill(child, SIGKILL) }
        for _ in 0..<200 where kill(pid, 0) == 0 { usleep(10_000) }
        lock.withLock { running = false }
    }

    /// Promotes a standby to a primary that takes writes.
    public func promote() throws {
        try run("pg_ctl", ["-D", "\(folder)/data", "-w", "-t", "60", "promote"])
    }

    /// The processes whose parent is `pid` (from /proc).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> Int32? in
            guard let child = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid ? child : nil
        }
    }

    /// Stops the server as a crash does (`-m immediate`: no checkpoint, clients cut off; the
    /// next start recovers from the WAL).
    public func crash() throws {
        try run("pg_ctl", ["-D", "\(folder)/data", "-m", "immediate", "-w", "-t", "60", "stop"])
        lock.withLock { running = false }
    }

    /// Stops the server at once (SIGQUIT to the postmaster) and removes its folder.
    public func stop(removing: Bool) {
        let pidText = try? String(contentsOfFile: "\(folder)/data/postmaster.pid", encoding: .utf8)
        if let line = pidText?.split(separator: "\n").first, let pid = Int32(line), pid > 0 {
            kill(pid, SIGQUIT)
            for _ in 0..<200 where kill(pid, 0) == 0 { usleep(10_000) }
        }
        lock.withLock { running = false }
        if removing { try? FileManager.default.removeItem(atPath: folder) }
    }

    // MARK: - Databases and roles

    /// A connection string for a database of this server.
    public func url(database: String, user: String? = nil, password: String? = nil) -> String {
        var text = "host=\(folder) dbname=\(database) user=\(user ?? superuser)"
        if let password { text += " password=\(password)" }
        return text
    }

    /// A fresh, empty database (UTF-8).
    public func createDatabase() throws -> PostgresTestDatabase {
        let name = lock.withLock { () -> String in
            databases += 1
            return "test_\(getpid())_\(databases)"
        }
        let admin = try connection(database: "postgres")
        defer { admin.close() }
        try admin.executeScript("CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8'")
        return PostgresTestDatabase(server: self, name: name)
    }

    /// A superuser connection to a database (for tests that change what warroom may not).
    public func connection(database: String) throws -> PostgresConnection {
        try PostgresConnection(url: ConnectionString(url(database: database)))
    }

    /// A login role with a password that is a member of `group` (e.g. `warroom_reader`);
    /// roles belong to the whole server, so the name carries a counter.
    /// - Returns: the role's name.
    public func createLoginRole(prefix: String, password: String, group: String) throws -> String {
        let name = lock.withLock { () -> String in
            databases += 1
            return "\(prefix)_\(getpid())_\(databases)"
        }
        let admin = try connection(database: "postgres")
        defer { admin.close() }
        try admin.executeScript("CREATE ROLE \(name) LOGIN PASSWORD '\(password)' IN ROLE \(group)")
        return name
    }

    // MARK: - Running the server's programs

    private func run(_ program: String, _ arguments: [String]) throws {
        var path = "\(binaries)/\(program)"
        var arguments = arguments
        if let runAs {
            arguments = ["-u", runAs, "--", path] + arguments
            path = "/usr/sbin/runuser"
        }
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        let result = try ChildProcess.run(path, arguments, environment: environment, directory: "/", seconds: 90)
        guard result.status == 0 else {
            let log = (try? String(contentsOfFile: "\(folder)/log", encoding: .utf8)).map { " | log: " + $0.suffix(600) } ?? ""
            throw Failure.step("\(program)", status: result.status, output: (result.stdout + result.stderr).replacingOccurrences(of: "\n", with: " | ") + log)
        }
    }

    /// Writes a file the server reads, owned by the user it runs as.
    private func runWriting(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        if let runAs, let user = getpwnam(runAs) {
            chown(path, user.pointee.pw_uid, user.pointee.pw_gid)
        }
    }

    private static func findBinaries() throws -> String {
        var candidates: [String] = []
        if let given = ProcessInfo.processInfo.environment["PG_BIN"], !given.isEmpty { candidates.append(given) }
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        candidates += (["15"] + versions).map { "/usr/lib/postgresql/\($0)/bin" }
        candidates += ["/usr/local/bin", "/opt/homebrew/bin", "/usr/bin"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }) else {
            throw Failure.notInstalled(searched: candidates)
        }
        return found
    }
}

/// One test's database on a `PostgresServer`.
public struct PostgresTestDatabase: Sendable {
    public let server: PostgresServer
    public let name: String

    /// The superuser's URL.
    public var url: String { server.url(database: name) }

    /// The URL for another role.
    public func url(user: String, password: String) -> String {
        server.url(database: name, user: user, password: password)
    }

    /// A superuser connection (for what warroom itself may not do).
    public func superuser() throws -> PostgresConnection {
        try server.connection(database: name)
    }

    /// A fresh database with warroom's schema.
    public static func initialized(on server: PostgresServer? = nil) throws -> PostgresTestDatabase {
        let database = try (server ?? PostgresServer.shared()).createDatabase()
        _ = try PostgresSchema.initialize(url: ConnectionString(database.url))
        return database
    }

    /// Records a new incident with an `open` entry as `warroom start` would.
    /// - Returns: the store, open on the incident.
    public func openIncident(id: String, title: String = "Store test", at: Instant = Instant(milliseconds: 1_699_155_000_000)) throws -> PostgresTranscriptStore {
        let opening = TranscriptEntry(seq: 0, at: at, wall: at, by: "tester", kind: .open, text: "Incident opened: \(title)",
                                      data: ["incident": .string(id), "title": .string(title), "severity": "SEV-2", "responder": "tester"])
        return try PostgresTranscriptStore.create(url: ConnectionString(url), opening: opening).0
    }
}

/// A note entry to append in tests.
public func noteDraft(_ text: String, by: String = "tester", at: Instant = Instant(milliseconds: 1_699_155_060_000)) -> TranscriptEntry {
    TranscriptEntry(seq: 0, at: at, wall: at, by: by, kind: .note, text: text)
}
