import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// What `scenarios lint` accepts, the simulation runs without trapping: every number in a
/// scenario has a range (`Bounds`), lint refuses what is outside it with its position, and a
/// scenario with every number at its bound runs, probes and all.
@Suite struct ScenarioBoundsTests {
    static func scenario(_ replacements: [String: String] = [:]) -> String {
        HostileInput.scenario(replacements)
    }

    func lint(_ text: String) -> [String] {
        ScenarioLoader.lint(bytes: Array(text.utf8), file: "s.yaml").map(\.description)
    }

    @Test(arguments: [
        (["RATE": "1e300"], "s.yaml:4:18: 'rate' must be more than 0 and at most 10000000 req/s, not 1e+300"),
        (["RATE": "1e18"], "s.yaml:4:18: 'rate' must be more than 0 and at most 10000000 req/s, not 1e+18"),
        (["RATE": "0x10"], "s.yaml:4:18: 'rate' must be a number, not '0x10'"),
        (["INTERVAL": "9999999999999999h"], "s.yaml:5:67: 'interval' must be 0.001ms…1h, not 9999999999999999h"),
        (["LATENCY": "99999h"], "s.yaml:7:40: 'latency' must be 0.001ms…1h, not 99999h"),
        (["CAPACITY": "1e300"], "s.yaml:7:26: 'capacity' of 'a' must be 0.001…10000000 req/s, not 1e+300"),
        (["start": "9999-12-31T00:00:00Z"], "s.yaml:3:8: 'start' must be 1970-01-01T00:00:00Z…9999-11-30T23:59:59Z, so that a drill's 31 days end before the year 10000, not 9999-12-31T00:00:00Z"),
        (["start": "1969-12-31T00:00:00Z"], "s.yaml:3:8: 'start' is not an ISO-8601 UTC time in the years 1970–9999: '1969-12-31T00:00:00Z' (like 2023-11-05T03:30:00Z)"),
    ] as [([String: String], String)])
    func numbersOutOfRangeAreRefusedWithTheirPosition(replacements: [String: String], message: String) {
        #expect(lint(Self.scenario(replacements)) == [message])
    }

    @Test func aStartWithManyFractionDigitsLintsClean() throws {
        let text = Self.scenario(["start": "2024-01-01T00:00:00.1234567Z"])
        #expect(lint(text).isEmpty)
        let scenario = try #require(ScenarioLoader.parse(bytes: Array(text.utf8), file: "s.yaml").scenario)
        #expect(scenario.start.iso8601 == "2024-01-01T00:00:00.123Z")
    }

    @Test func eventsAfterADrillsEndAreRefused() {
        let text = Self.scenario() + "\nevents:\n  - { at: +32d, traffic: { factor: 2 } }\n  - { at: +1m, traffic: { factor: 1000 } }"
        #expect(lint(text) == [
            "s.yaml:9:11: 'at' is more than 31 days after the start, and a drill simulates at most that",
            "s.yaml:10:35: 'factor' must be more than 0 and at most 100, not 1000",
        ])
    }

    /// Every number at the end of its range, for each algorithm: lint accepts it, so a drill on
    /// it must run — every probe, `lb` change and `advance` — without a trap.
    static let extremes = """
        scenario: extremes
        title: Every number at its bound
        start: 9999-11-30T23:59:59.999Z
        seed: 18446744073709551615
        users: 10000000000
        traffic:
          rate: 10000000
          sources: 1000000
          sticky: user
          profile:
            - { at: +31d, rate: 0.000001 }
        loadbalancer:
          algorithm: ALGORITHM
          timeout: 1h
          retries: 10
          ratelimit: 10000000
          health_check: { interval: 1h, timeout: 0.001ms, rise: 100, fall: 100 }
        backends:
          - { name: big, capacity: 10000000, latency: 1h, weight: 256 }
          - { name: tiny, capacity: 0.001, latency: 0.001ms, weight: 0 }
          - { name: mid, capacity: 0.001, latency: 0.001ms, weight: 1, error_rate: 1 }
        dependencies:
          database: { latency: 1h, error_rate: 1 }
          network: { rtt: 1h, loss: 1 }
        events:
          - { at: +1m, traffic: { factor: 100, attack: { rate: 10000000, sources: 1000000 } } }
          - { at: +2m, set: { ratelimit: off, weights: { tiny: 256 } } }
          - { at: +3m, dependencies: { network: { loss: 0, rtt: 0 }, database: { latency: 0.001ms, error_rate: 0 } } }
          - { at: +31d, traffic: { rate: 10000000 } }
        """

    @Test(arguments: BalanceAlgorithm.allCases)
    func aScenarioAtEveryBoundLintsCleanAndItsDrillRuns(algorithm: BalanceAlgorithm) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("extremes.yaml")
        try Self.extremes.replacingOccurrences(of: "ALGORITHM", with: algorithm.rawValue).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ScenarioLoader.lint(bytes: try TranscriptLog.readBytes(path: path), file: path).filter { $0.severity == .error }.isEmpty)
        var options = StartOptions(responder: "alice", transcriptsFolder: folder.path)
        options.scenario = path
        options.freeForm = true
        options.speed = 0
        let (session, _) = try Session.start(options, source: .fixed(SessionTests.t0))
        for line in [
            "advance 10m", "probe health", "probe distribution", "probe latency", "probe errors", "probe traffic", "probe config",
            "probe backend big", "probe backend tiny", "probe db", "probe network", "lb show", "lb history", "lb diff", "lb weight big 0",
            "lb drain mid", "lb ratelimit 0.5", "advance 1m", "probe errors", "probe latency", "lb rollback 1", "status", "timeline",
        ] {
            let reply = session.handle(line)
            #expect(reply.error == nil, "\(algorithm) \(line): \(reply.error ?? "")")
        }
        #expect(session.clock.now.iso8601 == "9999-12-01T00:10:59.999Z")
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: session.path)).isValid)
    }
}
