import Testing
@testable import WarRoomKit

/// The sampler's history: windows of fixed length from readings a second apart, HAProxy's own
/// failures told apart, counters that restart, and what a short history covers.
@Suite struct HAProxyStatHistoryTests {
    static let t0 = Instant(milliseconds: 1_700_000_000_000)

    /// A reading of two servers at `seconds` after `t0`.
    static func sample(_ seconds: Int, requests: UInt64, all5xx: UInt64 = 0, backendEcon: UInt64 = 0, serverEcon: UInt32 = 0, serverEresp: UInt32 = 0,
                       server5xx: UInt32 = 0, hasServer: Bool = true, frontend: (UInt64, UInt64)? = nil, checks: UInt32 = 0, downs: UInt32 = 0,
                       downtime: UInt32 = 0, sessions: UInt32 = 0) -> HAProxyStatSample
    {
        let half = UInt32(requests / 2)
        let servers = [
            HAProxyStatSample.Server(requests: half, serverErrors: server5xx, connectionErrors: serverEcon, responseErrors: serverEresp, checksFailed: checks,
                                     downs: downs, downtime: downtime, sessions: sessions, weight: 100),
            HAProxyStatSample.Server(requests: half, weight: 100),
        ]
        let pool = HAProxyStatSample.Pool(requests: requests, serverErrors: all5xx, connectionErrors: backendEcon, hasServer: hasServer,
                                          serversServerErrors: UInt64(server5xx), serversConnectionErrors: UInt64(serverEcon),
                                          serversResponseErrors: UInt64(serverEresp), frontendRequests: frontend?.0, frontendServerErrors: frontend?.1)
        return HAProxyStatSample(at: t0 + Int64(seconds) * 1000, pool: pool, servers: servers, serverNames: ["a", "b"], sessionLimits: [4, 0])
    }

    @Test func aWindowIsTheDifferenceOverItsReadingsWithEveryCauseOfFailure() throws {
        var history = HAProxyStatHistory(intervalMilliseconds: 1000)
        // 0–100 s: 100 requests a second; from 90 s on, 20 queue timeouts (backend econ, no
        // server econ), 5 server timeouts (eresp → 504) and 3 of the servers' own 5xx a second.
        for s in 0...100 {
            let bad = UInt64(max(0, s - 90))
            history.append(Self.sample(s, requests: UInt64(s) * 100, all5xx: bad * 28, backendEcon: bad * 20, serverEresp: UInt32(bad) * 5,
                                       server5xx: UInt32(bad) * 3, frontend: (UInt64(s) * 100, bad * 28), sessions: 2))
        }
        let reading = try #require(history.window(seconds: 10, frontend: "web"))
        #expect(reading.window.from == Self.t0 + 90_000 && reading.window.to == Self.t0 + 100_000 && reading.window.isComplete)
        #expect(reading.pool.requests == 1000)
        #expect(reading.pool.queueTimeouts == 200 && reading.pool.timeouts == 250)
        #expect(reading.pool.serverErrors == 30 && reading.pool.noServer == 0 && reading.pool.other == 0)
        #expect(reading.pool.errors == 280 && abs(reading.pool.errorRate - 0.28) < 1e-12)
        #expect(reading.frontend == FrontendWindow(name: "web", requests: 1000, serverErrors: 280))
        #expect(reading.servers.map(\.requests) == [500, 500])
        #expect(reading.servers[0].utilization == 0.5, "2 sessions in flight of maxconn 4, on average")
        #expect(reading.servers[1].utilization == nil, "no maxconn: capacity unknown")
        // A longer window than the history: the oldest reading, and it says so.
        let long = try #require(history.window(seconds: 300, frontend: nil))
        #expect(long.window.from == Self.t0 && !long.window.isComplete && long.frontend == nil)
        #expect(long.window.text.contains("the history covers only 100s of the 5m window"))
    }

    @Test func withNoServerUpTheFailuresAreNoServerNotQueueTimeouts() throws {
        var history = HAProxyStatHistory(intervalMilliseconds: 1000)
        history.append(Self.sample(0, requests: 0))
        history.append(Self.sample(1, requests: 50, all5xx: 50, backendEcon: 50, hasServer: false))
        history.append(Self.sample(2, requests: 100, all5xx: 100, backendEcon: 100, hasServer: false))
        let reading = try #require(history.window(seconds: 60, frontend: nil))
        #expect(reading.pool.noServer == 100 && reading.pool.timeouts == 0 && reading.pool.errorRate == 1)
    }

    @Test func countersThatWentBackCountWhatWasCountedSince() throws {
        var history = HAProxyStatHistory(intervalMilliseconds: 1000)
        history.append(Self.sample(0, requests: 1000, checks: 7, downs: 2))
        history.append(Self.sample(1, requests: 1100, checks: 9, downs: 3))
        // HAProxy restarted: everything starts again from zero.
        history.append(Self.sample(2, requests: 40, checks: 1, downs: 0))
        let reading = try #require(history.window(seconds: 60, frontend: nil))
        #expect(reading.pool.requests == 140)
        #expect(reading.servers[0].requests == 70)
        #expect(reading.servers[0].checksFailed == 3 && reading.servers[0].downs == 1)
    }

    @Test func aReadingOlderThanTheLatestIsDroppedAndNewServersStartAfresh() throws {
        var history = HAProxyStatHistory(intervalMilliseconds: 1000)
        history.append(Self.sample(5, requests: 10))
        history.append(Self.sample(4, requests: 5))
        #expect(history.count == 1)
        var other = Self.sample(6, requests: 20)
        other.serverNames = ["a", "c"]
        history.append(other)
        #expect(history.count == 1 && history.serverNames == ["a", "c"] && history.startedAt == other.at)
        // Bounded: thirty minutes and a little more.
        var long = HAProxyStatHistory(intervalMilliseconds: 1000)
        for s in 0..<5000 { long.append(Self.sample(s, requests: UInt64(s))) }
        #expect(long.count == long.capacity && long.capacity == 1864)
    }

    @Test func theSeriesHasOnePointPerCoveredMinute() throws {
        var history = HAProxyStatHistory(intervalMilliseconds: 1000)
        for s in 0...150 { history.append(Self.sample(s, requests: UInt64(s) * 10, all5xx: s > 120 ? UInt64(s - 120) : 0, backendEcon: s > 120 ? UInt64(s - 120) : 0)) }
        let series = history.errorSeries(minutes: 30)
        // The history spans 2.5 minutes ending at 150 s: the minutes ending at 90 s and 150 s are whole.
        #expect(series.points.map(\.at) == [Self.t0 + 90_000, Self.t0 + 150_000])
        #expect(series.points.map(\.requestRate) == [10, 10])
        #expect(abs(series.points[1].errorRate - 0.05) < 1e-12 && series.points[0].errorRate == 0)
    }
}
