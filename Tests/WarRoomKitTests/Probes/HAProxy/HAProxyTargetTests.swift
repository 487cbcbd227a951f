import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// The target against a real HAProxy on loopback: backend `app` with web1 (weight 100),
/// web2 (50), web3 (50) answering 200, and web4 (100) pointing at a closed port.
@Suite(.serialized) struct HAProxyTargetTests {
    let now = Instant(milliseconds: 1_700_000_000_000)

    @Test func snapshotShowsTheDeadServerDownAndTheRestUp() throws {
        try HAProxyFixture.run { fixture in
            let target = try HAProxyTarget(address: "haproxy:\(fixture.adminSocket)")
            #expect(target.connectionProblem == nil)
            #expect(target.backend == "app")
            let snapshot = try target.snapshot(at: now)
            #expect(snapshot.at == now)
            #expect(snapshot.backend == "app")
            #expect(snapshot.servers.map(\.name) == ["web1", "web2", "web3", "web4"])
            #expect(snapshot.servers.map(\.status) == ["UP", "UP", "UP", "DOWN"])
            #expect(snapshot.servers.map(\.weight) == [100, 50, 50, 100])
            #expect(snapshot.servers.map(\.checkStatus) == ["L7OK", "L7OK", "L7OK", "L4CON"])
            #expect(snapshot.servers[3].chkfail >= 1)
        }
    }

    @Test func requestsSpreadByWeightAndFollowAWeightChange() throws {
        try HAProxyFixture.run { fixture in
            let target = try HAProxyTarget(address: "haproxy:\(fixture.adminSocket)")
            let before = try target.detailedSnapshot(at: now)
            #expect(try fixture.sendRequests(200) == 200)
            let after = try target.detailedSnapshot(at: now + 1000)
            let served = zip(before.servers, after.servers).map { $1.stats.stot - $0.stats.stot }
            let chosen = zip(before.servers, after.servers).map { $1.lbtot - $0.lbtot }
            // Weights 100:50:50 and a DOWN server: 100, 50, 50, 0 out of 200.
            #expect(isClose(served, to: [100, 50, 50, 0]), "stot deltas \(served)")
            #expect(isClose(chosen, to: [100, 50, 50, 0]), "lbtot deltas \(chosen)")
            #expect(after.servers[0].stats.ttime >= after.servers[0].stats.rtime)

            try target.setWeight(150, server: "web2", at: now)
            #expect(try fixture.ask("get weight app/web2") == "150 (initial 50)\n\n")
            #expect(try fixture.stat("weight", server: "web2") == "150")
            #expect(try fixture.sendRequests(300) == 300)
            let changed = try target.snapshot(at: now + 2000)
            let servedAfterChange = zip(after.servers, changed.servers).map { $1.stot - $0.stats.stot }
            // 100:150:50 out of 300.
            #expect(isClose(servedAfterChange, to: [100, 150, 50, 0]), "stot deltas \(servedAfterChange)")
        }
    }

    @Test func drainMaintAndReadyReachHAProxy() throws {
        try HAProxyFixture.run { fixture in
            let target = try HAProxyTarget(address: "haproxy:\(fixture.adminSocket)")
            try target.setState(.drain, server: "web1", at: now)
            #expect(try fixture.stat("status", server: "web1") == "DRAIN")
            #expect(try target.snapshot(at: now).servers[0].status == "DRAIN")
            let before = try target.snapshot(at: now)
            #expect(try fixture.sendRequests(40) == 40)
            let after = try target.snapshot(at: now)
            #expect(after.servers[0].stot == before.servers[0].stot, "a drained server takes no new sessions")

            try target.setState(.maint, server: "web2", at: now)
            #expect(try fixture.stat("status", server: "web2") == "MAINT")
            #expect(try target.serversState().first { $0.server == "web2" }?.adminState == .maint)

            try target.setState(.ready, server: "web1", at: now)
            try target.setState(.ready, server: "web2", at: now)
            #expect(try fixture.stat("status", server: "web1") == "UP")
            #expect(try fixture.stat("status", server: "web2").hasPrefix("UP"))
            #expect(try fixture.ask("show servers state app").contains(" web1 127.0.0.1 2 0 "))
        }
    }

    @Test func readOnlySocketReadsButRefusesChanges() throws {
        try HAProxyFixture.run { fixture in
            let target = try HAProxyTarget(address: "haproxy:\(fixture.userSocket)")
            #expect(try target.snapshot(at: now).servers.count == 4)
            let command = "set server app/web1 weight 10"
            #expect(throws: HAProxyError.levelTooLow(endpoint: fixture.userSocket, command: command)) {
                try target.setWeight(10, server: "web1", at: now)
            }
            #expect(throws: HAProxyError.levelTooLow(endpoint: fixture.userSocket, command: "set server app/web1 state drain")) {
                try target.setState(.drain, server: "web1", at: now)
            }
            #expect("\(HAProxyError.levelTooLow(endpoint: fixture.userSocket, command: command))".contains("need a stats socket at `level admin`"))
            #expect(target.connectionProblem == nil, "a refused command is not a connection problem")
            #expect(try fixture.ask("get weight app/web1") == "100 (initial 100)\n\n")
        }
    }

    @Test func unknownServersAndHAProxysOwnRefusals() throws {
        try HAProxyFixture.run { fixture in
            let target = try HAProxyTarget(address: "haproxy:\(fixture.adminSocket)")
            #expect(throws: TargetError.unknownServer(name: "wbe1", known: ["web1", "web2", "web3", "web4"])) {
                try target.setWeight(10, server: "wbe1", at: now)
            }
            #expect("\(TargetError.unknownServer(name: "wbe1", known: target.serverNames))".contains("did you mean 'web1'?"))
            #expect(throws: HAProxyError.commandFailed(endpoint: fixture.adminSocket, command: "set server app/web1 weight 300",
                                                       message: "Absolute weight can only be between 0 and 256 inclusive.")) {
                try target.setWeight(300, server: "web1", at: now)
            }
            let client = HAProxyClient(endpoint: .unix(path: fixture.adminSocket))
            #expect(throws: HAProxyError.noSuchServer(endpoint: fixture.adminSocket, backend: "app", server: "web9")) {
                try client.weight(backend: "app", server: "web9")
            }
            #expect(throws: HAProxyError.noSuchBackend(endpoint: fixture.adminSocket, backend: "nope", known: [])) {
                try client.setState(.drain, backend: "nope", server: "web1")
            }
            #expect(throws: HAProxyError.noSuchBackend(endpoint: fixture.adminSocket, backend: "nope", known: [])) {
                try client.showStat(proxy: "nope", types: .servers)
            }
        }
    }

    @Test func severalBackendsNeedOneNamed() throws {
        try HAProxyFixture.run(secondBackend: true) { fixture in
            let unnamed = try HAProxyTarget(address: "haproxy:\(fixture.adminSocket)")
            #expect(unnamed.connectionProblem == .backendNotChosen(endpoint: fixture.adminSocket, backendsWithServers: ["app", "api"], allBackends: ["app", "api"]))
            #expect("\(unnamed.connectionProblem!)".contains("name one: haproxy:\(fixture.adminSocket),backend=app"))
            #expect(throws: HAProxyError.self) { try unnamed.snapshot(at: now) }

            let named = try HAProxyTarget(address: "haproxy:\(fixture.adminSocket),backend=api")
            #expect(named.connectionProblem == nil)
            #expect(try named.snapshot(at: now).servers.map(\.name) == ["api-web1", "api-web2", "api-web3"])

            let misspelt = try HAProxyTarget(address: "haproxy:\(fixture.adminSocket),backend=apl")
            #expect(misspelt.connectionProblem == .noSuchBackend(endpoint: fixture.adminSocket, backend: "apl", known: ["app", "api"]))
            #expect("\(misspelt.connectionProblem!)".contains("(did you mean 'app'?)"))
        }
    }

    @Test func reconnectPicksUpHAProxyOnceTheSocketIsBack() throws {
        try HAProxyFixture.run { fixture in
            let away = fixture.adminSocket + ".away"
            try FileManager.default.moveItem(atPath: fixture.adminSocket, toPath: away)
            let target = try HAProxyTarget(address: "haproxy:\(fixture.adminSocket)")
            #expect(target.connectionProblem == .socketMissing(path: fixture.adminSocket))
            #expect(throws: HAProxyError.socketMissing(path: fixture.adminSocket)) { try target.snapshot(at: now) }

            try FileManager.default.moveItem(atPath: away, toPath: fixture.adminSocket)
            #expect(target.reconnect() == nil)
            #expect(target.connectionProblem == nil)
            #expect(try target.snapshot(at: now).servers.count == 4)
        }
    }

    @Test func infoAndServersStateComeFromTheSameSocket() throws {
        try HAProxyFixture.run { fixture in
            let target = try HAProxyTarget(address: "haproxy:\(fixture.adminSocket)")
            let info = try target.info()
            #expect(info["Name"] == "HAProxy")
            #expect(info.processID == Int(fixture.pid))
            let states = try target.serversState()
            #expect(states.map(\.server) == ["web1", "web2", "web3", "web4"])
            #expect(states.map(\.userWeight) == [100, 50, 50, 100])
            #expect(states.allSatisfy { $0.adminState == .ready })
        }
    }

    @Test func aSnapshotRoundTripTakesUnder20Milliseconds() throws {
        try HAProxyFixture.run { fixture in
            let target = try HAProxyTarget(address: "haproxy:\(fixture.adminSocket)")
            #expect(try fixture.sendRequests(20) == 20)
            let rounds = 100
            let elapsed = try ContinuousClock().measure {
                for _ in 0..<rounds { _ = try target.snapshot(at: now) }
            }
            let perSnapshot = elapsed / rounds
            print("HAProxy snapshot round trip: \(perSnapshot) mean over \(rounds)")
            #expect(perSnapshot < .milliseconds(20))
        }
    }

    private func isClose(_ counts: [Int], to expected: [Int], tolerance: Int = 3) -> Bool {
        counts.count == expected.count && zip(counts, expected).allSatisfy { abs($0 - $1) <= tolerance }
    }
}
