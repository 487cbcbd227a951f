import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// A session on a real HAProxy finds changes made outside warroom by itself, on the shell's
/// idle tick, with time from a clock the test moves (the sampler's too).
@Suite(.serialized) struct HAProxySessionTests {
    /// Wall and monotonic time that move only when the test says.
    final class ManualTime: @unchecked Sendable {
        // @unchecked Sendable: `now` is guarded by `lock`.
        private let lock = NSLock()
        private var now = Instant(milliseconds: 1_700_000_000_000)

        func advance(seconds: Int) { lock.withLock { now = now + Int64(seconds) * 1000 } }

        var source: TimeSource {
            TimeSource(wallNow: { self.lock.withLock { self.now } }, monotonicSeconds: { self.lock.withLock { Double(self.now.milliseconds) / 1000 } })
        }
    }

    @Test func theIdleTickRecordsAChangeMadeOutsideWarroomOnceAndQuietlySkipsAnUnreachableHAProxy() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try HAProxyFixture.run { fixture in
            let time = ManualTime()
            var options = StartOptions(responder: "dana", transcriptsFolder: folder.path)
            options.target = "haproxy:\(fixture.adminSocket)"
            options.title = "Checkout 502s"
            let (session, notices) = try Session.start(options, source: time.source)
            #expect(notices.isEmpty, "\(notices)")
            #expect(session.tick().isEmpty, "nothing changed")

            #expect(try fixture.ask("set server app/web2 weight 7") == "\n")
            time.advance(seconds: 2)
            let found = session.tick()
            #expect(found.count == 1 && found[0].text.contains("configuration version 2 by haproxy: changed outside warroom"), "\(found)")
            #expect(session.tick().isEmpty, "recorded once")
            let log = try TranscriptLog.read(path: session.path)
            let change = try #require(log.entries.last { $0.kind == .lb })
            #expect(change.by == "haproxy" && change.at == time.source.wallNow())
            #expect(change.data["changes"] == ["weight web2: 50 → 7"])
            #expect(session.handle("status").output.contains("configuration v2 by haproxy"))

            // HAProxy stops: the idle tick says nothing (the next probe will), and records nothing.
            fixture.stop()
            time.advance(seconds: 2)
            #expect(session.tick().isEmpty)
            #expect(try TranscriptLog.read(path: session.path).entries.count == log.entries.count + 1, "only the status command")
        }
    }
}
