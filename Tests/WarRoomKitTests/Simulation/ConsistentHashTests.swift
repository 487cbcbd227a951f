@testable import WarRoomKit
import Testing

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
}
