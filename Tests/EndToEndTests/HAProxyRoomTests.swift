import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// Two shells of one room on one real HAProxy, under load: a change by one is recorded once,
/// by its author, never as a change made outside warroom; a change made on HAProxy's socket
/// outside both is recorded once, by the load balancer.
@Suite(.serialized) struct HAProxyRoomTests {
    /// `start` into a shared in-memory store, as `start --store` opens a room in a database.
    final class RoomProvider: IncidentStoreProvider, @unchecked Sendable {
        // `@unchecked`: the test's store, used from the test's thread only.
        let store: InMemoryTranscriptStore

        init(_ store: InMemoryTranscriptStore) {
            self.store = store
        }

        func create(id: String, opening: (String) -> TranscriptEntry) throws -> (store: any TranscriptStore, entry: TranscriptEntry) {
            (store, try store.append([opening(id)], after: .empty)[0])
        }
    }

    /// Requests sent in the background until stopped (at most two minutes' worth).
    final class Load: @unchecked Sendable {
        private let lock = NSLock()
        private var running = true
        private let done = DispatchSemaphore(value: 0)

        /// The fixture, sent to the load's thread (it only connects to HAProxy's frontend there).
        private final class Target: @unchecked Sendable {
            let fixture: HAProxyFixture
            init(_ fixture: HAProxyFixture) { self.fixture = fixture }
        }

        init(_ fixture: HAProxyFixture) {
            let target = Target(fixture)
            Thread.detachNewThread { [self] in
                let deadline = Date().addingTimeInterval(120)
                while lock.withLock({ running }), Date() < deadline { _ = try? target.fixture.sendRequests(5) }
                done.signal()
            }
        }

        func stop() {
            lock.withLock { running = false }
            done.wait()
        }
    }

    @Test func aColleaguesChangeIsRecordedOnceByItsAuthorAndAnOutsideChangeOnce() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try HAProxyFixture.run { fixture in
            let load = Load(fixture)
            defer { load.stop() }
            let store = InMemoryTranscriptStore(shared: true)
            var options = StartOptions(responder: "dana", transcriptsFolder: folder.path)
            options.target = "haproxy:\(fixture.adminSocket)"
            options.title = "Checkout 502s"
            options.provider = RoomProvider(store)
            let source = TimeSource(wallNow: { Instant(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }, monotonicSeconds: { ProcessInfo.processInfo.systemUptime })
            let dana = try Session.start(options, source: source).0
            #expect(dana.handle("lb show").error == nil)
            let omar = try Session.join(store: store, responder: "omar", source: source).0
            #expect(omar.handle("lb show").error == nil)

            // dana changes web2; omar's shell reads HAProxy right after (its next tick and a probe).
            #expect(dana.handle("lb weight web2 10").error == nil)
            _ = omar.tick()
            #expect(omar.handle("probe config").error == nil)
            _ = dana.tick()
            #expect(omar.handle("lb history").output.contains("v2"))
            var changes = try store.entries(after: 0).filter { $0.kind == .lb && $0.data["changed"] == true }
            #expect(changes.count == 1, "\(changes.map(\.text))")
            #expect(changes.first?.by == "dana")
            #expect(changes.first?.data["version"] == 2)
            #expect(!changes.contains { $0.data["action"] == "outside-change" })

            // omar's own change after dana's (he has looked): version 3, by him, once.
            #expect(omar.handle("lb weight web3 20").error == nil)
            _ = dana.tick()
            #expect(dana.handle("probe config").error == nil)

            // A change on HAProxy's socket, outside both shells: recorded once, by haproxy.
            _ = try fixture.ask("set server app/web1 weight 7")
            _ = dana.tick()
            _ = omar.tick()
            #expect(dana.handle("probe config").error == nil)
            #expect(omar.handle("probe config").error == nil)
            changes = try store.entries(after: 0).filter { $0.kind == .lb && $0.data["changed"] == true }
            #expect(changes.compactMap { $0.data["version"]?.intValue } == [2, 3, 4], "\(changes.map(\.text))")
            #expect(changes.map(\.by) == ["dana", "omar", "haproxy"])
            #expect(changes.filter { $0.data["action"] == "outside-change" }.count == 1)
        }
    }
}
