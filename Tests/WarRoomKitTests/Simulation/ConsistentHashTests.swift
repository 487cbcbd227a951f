import Foundation
@testable import WarRoomKit
import Testing
import WarRoomTestSupport

@Suite struct ConsistentHashTests {
    /// Incremental bucket moves when servers leave or rejoin rotation give exactly the owners a
    /// full recomputation gives, and only the leaving server's users move.
    @Test(arguments: [UInt64(1), 2, 3])
    func incrementalMovesEqualFullRecomputation(seed: UInt64) throws {
        var scenario = SimulationModelTests.pool(.consistentHash, weights: [100, 50, 200, 100, 25, 100, 80, 120], rate: 100, sticky: true)
        scenario.seed = seed
        var model = SimulationModel(scenario: scenario)
        var random = SplitMix64(seed: seed)
        for _ in 0..<40 {
            let before = model.bucketOwner
            let i = Int(random.next() % 8)
            let state: ServerAdminState = model.admin[i] == .ready ? .maint : .ready
            try model.apply(ConfigChange(states: [(model.backendNames[i], state)]), by: "test", source: .responder)
            model.step()
            let full = (0..<model.bucketCount).map { model.firstEligibleOwner(from: Int(model.bucketStart[$0])) }
            #expect(model.bucketOwner.map(Int.init) == full)
            for b in 0..<model.bucketCount where before[b] != model.bucketOwner[b] {
                // A bucket moves only from the server that left, or to the one that came back.
                #expect(Int(before[b]) == i || Int(model.bucketOwner[b]) == i)
            }
        }
    }

    /// The per-owner sums give the same users-affected figure as summing every bucket.
    @Test func usersAffectedMatchesTheSumOverBuckets() throws {
        let scenario = try ScenarioLoader.load(path: repositoryRoot + "/Playbooks/scenarios/lb-misconfig-2023-11-05.yaml")
        var model = SimulationModel(scenario: scenario)
        for minute in stride(from: 5, through: 40, by: 5) {
            model.advance(to: scenario.start + Int64(minute) * 60_000)
            if minute == 20 { try model.apply(ConfigChange(states: [("msg-29", .maint)]), by: "t", source: .responder) }
            if minute == 30 { try model.apply(ConfigChange(weights: [("msg-30", 0)], states: [("msg-29", .ready)]), by: "t", source: .responder) }
            var direct = 0.0
            for b in 0..<model.bucketCount {
                var x = model.bucketAccumulated[b] + model.globalDensity
                let owner = Int(model.bucketOwner[b])
                if owner >= 0 { x += model[.failureDensity, owner] - model.bucketMark[b] }
                direct += 1 - exp(-x)
            }
            direct /= Double(model.bucketCount)
            #expect(abs(model.usersAffected - direct) < 1e-9)
        }
        #expect(model.usersAffected > 0.2)
    }
}
