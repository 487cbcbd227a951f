internal import CLibPQ
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One connection to PostgreSQL through libpq: parameterized statements, transactions,
/// LISTEN/NOTIFY and the socket to poll, reconnection. Used from one thread at a time.
///
/// Every message it throws has passed through `ConnectionString.redact`, so a password in
/// the URL never reaches the terminal.
public final class PostgresConnection {
    /// A notification received on a channel this connection listens to.
    public struct Notification: Sendable, Equatable {
        public var channel: String
        public var payload: String
    }

    /// The URL as given (libpq reads it; messages show it without its password).
    public let url: ConnectionString
    private var handle: OpaquePointer?
    private var channels: [String] = []
    private var readOnly = false

    /// Connects with `PQconnectdb` semantics: `url` may be a URI or `key=value` pairs, and the
    /// `PG*` variables, `~/.pgpass`, TLS and SCRAM apply as for `psql`.
    /// - Throws: `PostgresStoreError.connectFailed`.
    public init(url: ConnectionString) throws {
        self.url = url
        handle = try Self.connect(url)
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    private static func connect(_ url: ConnectionString) throws -> OpaquePointer {
        // The URL is expanded in place of `dbname`. Defaults before it, which the URL may
        // override: give up connecting after 10 s (unless PGCONNECT_TIMEOUT says otherwise; an
        // empty value lets libpq read it) and notice a dead server or network within about
        // 25 s (TCP keepalives). warroom's own settings come after it, so text always travels
        // as UTF-8 whatever the environment says.
        let timeout = getenv("PGCONNECT_TIMEOUT") == nil ? "10" : ""
        let keywords = ["connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count", "dbname", "fallback_application_name", "client_encoding"]
        let values = [timeout, "10", "5", "3", url.raw, "warroom", "UTF8"]
        let cKeywords: [UnsafePointer<CChar>?] = keywords.map { UnsafePointer(strdup($0)) } + [nil]
        let cValues: [UnsafePointer<CChar>?] = values.map { UnsafePointer(strdup($0)) } + [nil]
        defer {
            cKeywords.forEach { free(UnsafeMutableRawPointer(mutating: $0)) }
            cValues.forEach { free(UnsafeMutableRawPointer(mutating: $0)) }
        }
        guard let handle = PQconnectdbParams(cKeywords, cValues, 1) else {
            throw PostgresStoreError.connectFailed(target: url.description, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = url.redact(oneLine(PQerrorMessage(handle)))
            PQfinish(handle)
            throw PostgresStoreError.connectFailed(target: url.description, message: message.isEmpty ? "unknown error" : message)
        }
        // libpq prints the server's notices to stderr by default, also the FATAL a server
        // sends an idle connection when it shuts down, right into the line being edited.
        // warroom reports a lost connection itself, once, in its own words.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        return handle
    }

    /// `user@host:port/database` of the live connection (never a password); the URL's
    /// options when not connected.
    public var target: String {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return url.description }
        let host = string(PQhost(handle))
        return "\(string(PQuser(handle)))@\(host):\(string(PQport(handle)))/\(string(PQdb(handle)))"
    }

    /// The passwords this connection carries: in its connection string, and the one libpq
    /// used (which may come from PGPASSWORD or a password file).
    public var secrets: [String] {
        let used = handle.map { string(PQpass($0)) } ?? ""
        return Array(Set(url.secrets + (used.isEmpty ? [] : [used])))
    }

    /// The role the connection is logged in as.
    public var role: String {
        handle.map { string(PQuser($0)) } ?? ""
    }

    /// Whether the connection is up, as far as libpq knows.
    public var isConnected: Bool {
        handle.map { PQstatus($0) == CONNECTION_OK } ?? false
    }

    /// The socket to poll for input (notifications), or -1 when not connected.
    public var socketDescriptor: Int32 {
        handle.map { PQsocket($0) } ?? -1
    }

    /// A server setting reported at connection time (`server_encoding`, `server_version` …).
    public func parameter(_ name: String) -> String? {
        guard let handle, let value = PQparameterStatus(handle, name) else { return nil }
        return String(cString: value)
    }

    // MARK: - Statements

    /// Runs one statement with `$1 …` parameters, sent as text separately from the SQL (no
    /// quoting, no injection).
    /// - Returns: the rows (empty for a statement without any).
    /// - Throws: `PostgresStoreError`: `connectionLost` when the connection broke,
    ///   `permissionDenied`, or `statementFailed` with the server's SQLSTATE.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresStoreError.connectionLost(target: target, message: "not connected")
        }
        for parameter in parameters where parameter?.utf8.contains(0) == true {
            throw PostgresStoreError.statementFailed(target: target, sqlState: "22021", message: "a value holds a NUL byte, which PostgreSQL text cannot store")
        }
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        let result = pointers.withUnsafeBufferPointer { buffer in
            PQexecParams(handle, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        guard let result else {
            throw failure(result: nil)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(result)
        default:
            let error = failure(result: result)
            PQclear(result)
            throw error
        }
    }

    /// Sends one statement, waits until the server has answered (so it ran, and committed),
    /// and drops the connection without reading the answer: the connection breaking just
    /// after a COMMIT, as the network or a restart does. For tests of what happens then.
    public func executeAndLoseTheAnswer(_ sql: String, _ parameters: [String?]) {
        guard let handle else { return }
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        let sent = pointers.withUnsafeBufferPointer { buffer in
            PQsendQueryParams(handle, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        if sent == 1 {
            while PQconsumeInput(handle) == 1, PQisBusy(handle) == 1 { usleep(1000) }
        }
        close()
    }

    /// Runs SQL without parameters, which may hold several statements (a schema script).
    /// - Throws: `PostgresStoreError`.
    public func executeScript(_ sql: String) throws {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresStoreError.connectionLost(target: target, message: "not connected")
        }
        guard let result = PQexec(handle, sql) else { throw failure(result: nil) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return
        default: throw failure(result: result)
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// - Throws: what `body` throws, or the failure of `BEGIN`/`COMMIT`. A `connectionLost`
    ///   from `COMMIT` means the outcome is unknown: the caller checks what the server has.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try transaction(begin: "BEGIN", body)
    }

    /// Runs `body` in a read-only transaction that sees one snapshot of the database, so
    /// several statements agree with each other while others keep writing.
    /// - Throws: what `body` throws, or the failure of `BEGIN`/`COMMIT`.
    public func snapshot<T>(_ body: () throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func transaction<T>(begin: String, _ body: () throws -> T) throws -> T {
        try execute(begin)
        let value: T
        do {
            value = try body()
        } catch {
            if isConnected { _ = try? execute("ROLLBACK") }
            throw error
        }
        try execute("COMMIT")
        return value
    }

    private func failure(result: OpaquePointer?) -> PostgresStoreError {
        guard let handle else { return .connectionLost(target: url.description, message: "not connected") }
        let message: String
        if let result, let primary = PQresultErrorField(result, Self.fieldMessage) {
            message = url.redact(Self.oneLine(primary))
        } else {
            message = url.redact(Self.oneLine(PQerrorMessage(handle)))
        }
        if PQstatus(handle) != CONNECTION_OK {
            return .connectionLost(target: url.description, message: message.isEmpty ? "the server closed the connection" : message)
        }
        let state = result.flatMap { PQresultErrorField($0, Self.fieldSQLState) }.map { String(cString: $0) } ?? ""
        if state == "42501" { return .permissionDenied(target: target, role: role, message: message) }
        return .statementFailed(target: target, sqlState: state, message: message)
    }

    /// `PG_DIAG_MESSAGE_PRIMARY` and `PG_DIAG_SQLSTATE` (character macros Swift does not import).
    private static let fieldMessage = Int32(UInt8(ascii: "M"))
    private static let fieldSQLState = Int32(UInt8(ascii: "C"))

    // MARK: - LISTEN / NOTIFY

    /// Listens on `channel` (any text: it is quoted as an identifier); kept across `reconnect()`.
    /// - Throws: `PostgresStoreError`.
    public func listen(_ channel: String) throws {
        try execute("LISTEN \(try quoted(channel))")
        if !channels.contains(channel) { channels.append(channel) }
    }

    /// Reads what the server has sent and returns the notifications that arrived.
    /// - Throws: `PostgresStoreError.connectionLost` when the connection broke.
    public func notifications() throws -> [Notification] {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresStoreError.connectionLost(target: url.description, message: "not connected")
        }
        guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else {
            let message = url.redact(Self.oneLine(PQerrorMessage(handle)))
            throw PostgresStoreError.connectionLost(target: url.description, message: message.isEmpty ? "the server closed the connection" : message)
        }
        var received: [Notification] = []
        while let notify = PQnotifies(handle) {
            received.append(Notification(channel: string(notify.pointee.relname), payload: string(notify.pointee.extra)))
            PQfreemem(notify)
        }
        return received
    }

    /// Waits until the server sends something (a notification, or the connection closing) or
    /// `seconds` pass, then returns the notifications that arrived (possibly none).
    /// - Throws: `PostgresStoreError.connectionLost` when the connection broke.
    public func waitForNotifications(seconds: Double) throws -> [Notification] {
        let pending = try notifications()
        if !pending.isEmpty { return pending }
        var descriptor = pollfd(fd: socketDescriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, min(seconds, 3600)) * 1000)
        var ready: Int32
        repeat {
            ready = poll(&descriptor, 1, milliseconds)
        } while ready < 0 && errno == EINTR
        return try notifications()
    }

    // MARK: - Reconnecting

    /// Makes every transaction of this connection read-only, now and after `reconnect()`: a
    /// command that only reads cannot write, whatever the role may do.
    /// - Throws: `PostgresStoreError`.
    public func makeReadOnly() throws {
        try executeScript("SET default_transaction_read_only = on")
        readOnly = true
    }

    /// Drops the connection and opens a new one with the same URL, listening again on the
    /// channels it listened to.
    /// - Throws: `PostgresStoreError.connectFailed` (the connection stays closed).
    public func reconnect() throws {
        if let handle { PQfinish(handle) }
        handle = nil
        handle = try Self.connect(url)
        for channel in channels { try execute("LISTEN \(try quoted(channel))") }
        if readOnly { try executeScript("SET default_transaction_read_only = on") }
    }

    /// Closes the connection; statements afterwards fail with `connectionLost`.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    // MARK: - Text

    private func quoted(_ identifier: String) throws -> String {
        guard let handle, let escaped = PQescapeIdentifier(handle, identifier, identifier.utf8.count) else {
            throw PostgresStoreError.connectionLost(target: url.description, message: "not connected")
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    private func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    private func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// A libpq message (often several lines, with a newline at the end) as one line.
    static func oneLine(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    static func oneLine(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        oneLine(UnsafePointer(pointer))
    }
}

/// The rows a statement returned, read in place from libpq's result.
public final class PostgresRows {
    private let result: OpaquePointer

    init(_ result: OpaquePointer) {
        self.result = result
    }

    deinit { PQclear(result) }

    /// The number of rows.
    public var count: Int { Int(PQntuples(result)) }

    /// A value as text, nil for NULL.
    public func string(_ row: Int, _ column: Int) -> String? {
        guard PQgetisnull(result, Int32(row), Int32(column)) == 0 else { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    /// A value as an integer, nil for NULL or not a number.
    public func int(_ row: Int, _ column: Int) -> Int? {
        string(row, column).flatMap { Int($0) }
    }

    /// A value's length in bytes (0 for NULL).
    public func length(_ row: Int, _ column: Int) -> Int {
        Int(PQgetlength(result, Int32(row), Int32(column)))
    }

    /// Whether a value's bytes are `expected`'s (false for NULL), without making a string of it.
    public func bytes(_ row: Int, _ column: Int, equal expected: some Collection<UInt8>) -> Bool {
        guard PQgetisnull(result, Int32(row), Int32(column)) == 0, let value = PQgetvalue(result, Int32(row), Int32(column)) else { return false }
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        guard length == expected.count else { return false }
        return value.withMemoryRebound(to: UInt8.self, capacity: length) { UnsafeBufferPointer(start: $0, count: length).bytesEqual(expected) }
    }

    /// A value as a 64-bit integer read from its digits, nil for NULL or not an integer.
    public func int64(_ row: Int, _ column: Int) -> Int64? {
        guard PQgetisnull(result, Int32(row), Int32(column)) == 0, let value = PQgetvalue(result, Int32(row), Int32(column)) else { return nil }
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        return value.withMemoryRebound(to: UInt8.self, capacity: length) { pointer -> Int64? in
            let digits = UnsafeBufferPointer(start: pointer, count: length)
            var index = 0
            let negative = length > 0 && digits[0] == UInt8(ascii: "-")
            if negative { index = 1 }
            guard index < length, length - index <= 18 else { return nil }
            var number: Int64 = 0
            while index < length {
                guard digits[index] >= 48, digits[index] <= 57 else { return nil }
                number = number * 10 + Int64(digits[index] - 48)
                index += 1
            }
            return negative ? -number : number
        }
    }

    /// Appends a value's bytes to `bytes` without making a string of it.
    public func appendBytes(_ row: Int, _ column: Int, to bytes: inout [UInt8]) {
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        guard length > 0, let value = PQgetvalue(result, Int32(row), Int32(column)) else { return }
        value.withMemoryRebound(to: UInt8.self, capacity: length) { bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
    }
}
