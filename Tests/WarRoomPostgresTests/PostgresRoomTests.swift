import Foundation
import Testing
import WarRoomKit
@testable import WarRoomPostgres
import WarRoomTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// One shell's part in a room on a real PostgreSQL: presence that ends with the connection,
/// the room's write lock, waking on others' appends, the server's time, unique ids on `start`.
@Suite struct PostgresRoomTests {
    @Test func presenceLastsAsLongAsTheShellsConnection() throws {
        let database = try PostgresTestDatabase.initialized()
        let first = try database.openIncident(id: "2023-11-05-0330-presence")
        let second = try PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: first.incident)
        let third = try PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: first.incident)
        defer { first.close(); third.close() }
        let ids = [try first.enterRoom(), try second.enterRoom(), try third.enterRoom()]
        #expect(Set(ids).count == 3)
        #expect(try first.present(among: ids + [12345]) == Set(ids))
        // A shell whose connection ends (killed, or its machine gone) stops counting as soon as
        // its server process has gone (a moment after the socket closes, on a loaded machine).
        second.close()
        var present = try first.present(among: ids)
        for _ in 0..<100 where present != [ids[0], ids[2]] {
            usleep(20_000)
            present = try first.present(among: ids)
        }
        #expect(present == [ids[0], ids[2]])
        third.leaveRoom(shell: ids[2])
        #expect(try first.present(among: ids) == [ids[0]])
        // Another incident's room is another key.
        let other = try database.openIncident(id: "2023-11-05-0330-elsewhere")
        defer { other.close() }
        let elsewhere = try other.enterRoom()
        #expect(try first.present(among: ids + [elsewhere]) == [ids[0]])
    }

    @Test func presenceComesBackAfterAReconnectionWithTheSameID() throws {
        let database = try PostgresTestDatabase.initialized()
        let store = try database.openIncident(id: "2023-11-05-0330-back")
        let watcher = try PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: store.incident)
        defer { store.close(); watcher.close() }
        let id = try store.enterRoom()
        let superuser = try database.superuser()
        defer { superuser.close() }
        try superuser.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND pid <> $2",
                              [database.name, try watcher.connection.execute("SELECT pg_backend_pid()").string(0, 0)])
        // pg_terminate_backend only signals: the backend lets its locks go as it exits, a
        // moment later on a loaded machine.
        var gone = false
        for _ in 0..<100 where !gone {
            gone = try watcher.present(among: [id]).isEmpty
            if !gone { usleep(50_000) }
        }
        #expect(gone)
        // The shell's idle loop finds its connection gone (as soon as the server's goodbye and
        // the closed socket have arrived): it reconnects, and is back.
        var lost = false
        for _ in 0..<50 where !lost {
            do { _ = try store.takeWakeups() } catch is TranscriptError { lost = true } catch {}
            if !lost { usleep(100_000) }
        }
        #expect(lost)
        try store.reconnect()
        #expect(try watcher.present(among: [id]) == [id])
    }

    @Test func theWriteLockMakesAnotherShellWaitAndIsReentrant() throws {
        let database = try PostgresTestDatabase.initialized()
        let first = try database.openIncident(id: "2023-11-05-0330-lock")
        defer { first.close() }
        try first.lockWrites()
        try first.lockWrites()
        first.unlockWrites()
        // Still held once: another shell waits for it.
        let url = database.url
        let incident = first.incident
        let waited = Waited()
        let done = DispatchSemaphore(value: 0)
        Thread {
            defer { done.signal() }
            guard let second = try? PostgresTranscriptStore.open(url: ConnectionString(url), incident: incident) else { return }
            defer { second.close() }
            let began = Date()
            try? second.lockWrites()
            waited.set(Date().timeIntervalSince(began))
            second.unlockWrites()
        }.start()
        usleep(300_000)
        first.unlockWrites()
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(waited.seconds >= 0.25)
    }

    @Test func neitherAnOutsiderNorAReaderCanHoldTheRoomsLock() throws {
        let database = try PostgresTestDatabase.initialized()
        let writer = try database.openIncident(id: "2023-11-05-0330-outsider")
        defer { writer.close() }
        let outsiderRole = try database.server.createLoginRole(prefix: "outsider", password: "Outsider-pw", group: "pg_monitor")
        let readerRole = try database.server.createLoginRole(prefix: "viewer", password: "Viewer-pw", group: PostgresSchema.readerRole)
        for (role, password) in [(outsiderRole, "Outsider-pw"), (readerRole, "Viewer-pw")] {
            let other = try PostgresConnection(url: ConnectionString(database.url(user: role, password: password)))
            defer { other.close() }
            // The key the room used to use, and every function that takes the room's locks.
            _ = try other.execute("SELECT pg_advisory_lock(hashtext($1), 0)", ["warroom room " + writer.incident])
            for call in ["SELECT warroom.lock_room($1)", "SELECT warroom.take_presence($1, 0)"] {
                #expect(throws: PostgresStoreError.self, "\(role): \(call)") { try other.execute(call, [writer.incident]) }
            }
            // The writer's command does not wait.
            let began = Date()
            try writer.lockWrites()
            writer.unlockWrites()
            #expect(Date().timeIntervalSince(began) < 2, "\(role) delayed the writer")
        }
    }

    @Test func aShellIsWokenWhenAnotherAppends() throws {
        let database = try PostgresTestDatabase.initialized()
        let shell = try database.openIncident(id: "2023-11-05-0330-wake")
        let other = try PostgresTranscriptStore.open(url: ConnectionString(database.url), incident: shell.incident)
        defer { shell.close(); other.close() }
        try shell.listen()
        #expect(try shell.takeWakeups() == false)
        try other.append([noteDraft("from the other shell")], after: other.head())
        var descriptor = pollfd(fd: shell.wakeDescriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&descriptor, 1, 5000) == 1)
        #expect(try shell.takeWakeups() == true)
        #expect(try shell.takeWakeups() == false)
    }

    @Test func theServersTimeIsReadWhateverThisMachinesClockSays() throws {
        let database = try PostgresTestDatabase.initialized()
        let connection = try database.superuser()
        defer { connection.close() }
        let monotonic: @Sendable () -> Double = {
            var spec = timespec()
            clock_gettime(CLOCK_MONOTONIC, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        }
        let realWall: @Sendable () -> Instant = {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            return Instant(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
        }
        // This machine's clock is three hours behind; the server (here, on the same machine) is not.
        let skewed = TimeSource(wallNow: { realWall() - 3 * 3_600_000 }, monotonicSeconds: monotonic)
        let measurement = try DatabaseClock.measure(connection, local: skewed)
        #expect(abs(measurement.offset - 3 * 3600) < 1)
        #expect(measurement.uncertainty < 0.5)
        let source = DatabaseClock.source(measurement, local: skewed)
        #expect(abs(source.wallNow() - realWall()) < 1000)
        usleep(200_000)
        #expect(abs(source.wallNow() - realWall()) < 1000)
    }

    @Test func startGivesATakenIDASuffix() throws {
        let database = try PostgresTestDatabase.initialized()
        let provider = PostgresIncidentProvider(url: ConnectionString(database.url))
        let at = Instant(milliseconds: 1_699_155_000_000)
        let opening = { (id: String) in
            TranscriptEntry(seq: 0, at: at, wall: at, by: "dana", kind: .open, text: "Opened", data: ["incident": .string(id), "title": "Same title"])
        }
        let first = try provider.create(id: "2023-11-05-0330-same-title", opening: opening)
        let second = try provider.create(id: "2023-11-05-0330-same-title", opening: opening)
        defer { first.store.close(); second.store.close() }
        #expect(first.entry.data["incident"] == "2023-11-05-0330-same-title")
        #expect(second.entry.data["incident"] == "2023-11-05-0330-same-title-2")
        #expect((second.store as? PostgresTranscriptStore)?.incident == "2023-11-05-0330-same-title-2")
    }
}

/// A duration measured on another thread.
final class Waited: @unchecked Sendable {
    // `@unchecked`: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = 0.0

    func set(_ seconds: Double) { lock.withLock { value = seconds } }
    var seconds: Double { lock.withLock { value } }
}
