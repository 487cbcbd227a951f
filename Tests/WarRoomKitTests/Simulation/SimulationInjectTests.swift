import Testing
import WarRoomKit
import WarRoomTestSupport

/// A drill facilitator's injects into the simulated world: how they are read, recorded and
/// laid over the scenario's own figures.
@Suite struct SimulationInjectTests {
    static let start = SimulationModelTests.start

    @Test(arguments: [
        ("traffic ×2 for 10m", SimulationInject(trafficFactor: 2, duration: 600_000)),
        ("traffic x0.5", SimulationInject(trafficFactor: 0.5)),
        ("traffic *3 for 1h30m", SimulationInject(trafficFactor: 3, duration: 5_400_000)),
        ("traffic 2x", SimulationInject(trafficFactor: 2)),
        ("db latency 200ms for 15m", SimulationInject(dependencies: DependencyChange(databaseLatency: 200), duration: 900_000)),
        ("DB LATENCY 1.5s", SimulationInject(dependencies: DependencyChange(databaseLatency: 1500))),
        ("database errors 5%", SimulationInject(dependencies: DependencyChange(databaseErrorRate: 0.05))),
        ("network rtt 40ms for 5m", SimulationInject(dependencies: DependencyChange(networkRTT: 40), duration: 300_000)),
        ("network loss 2.5%", SimulationInject(dependencies: DependencyChange(networkLoss: 0.025))),
    ])
    func readsEachForm(text: String, expected: SimulationInject) throws {
        let words = text.split(separator: " ").map(String.init)
        #expect(SimulationInject.claims(words))
        #expect(try SimulationInject.parse(words) == expected)
        // What is recorded reads back the same.
        #expect(SimulationInject(recorded: expected.recorded) == expected)
    }

    @Test(arguments: [
        ("traffic ×0", "is not a multiple of the traffic"),
        ("traffic ×1000", "is not a multiple of the traffic"),
        ("db latency 200", "is not the database's latency in milliseconds or seconds"),
        ("db errors 0.05", "as a percentage 0%…100%"),
        ("db errors 150%", "as a percentage 0%…100%"),
        ("network loss -1%", "as a percentage"),
        ("traffic ×2 for", "'for' takes one duration"),
        ("traffic ×2 for 10", "is not a duration from 1s to 31 days"),
        ("traffic ×2 for 500ms", "is not a duration from 1s"),
        ("traffic ×2 for 10m extra", "'for' takes one duration and ends the line"),
        ("db latency 200ms 300ms", "say one figure and its value"),
    ])
    func refusesWithAReason(text: String, reason: String) {
        do {
            _ = try SimulationInject.parse(text.split(separator: " ").map(String.init))
            Issue.record("'\(text)' was read")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
            #expect("\(error)".contains("inject traffic ×F"), "the message shows the forms: \(error)")
        }
    }

    @Test func wordsForTheTeamAreNotAnInject() {
        for text in ["traffic looks odd to support", "db team says all is fine", "network engineers are on the bridge", "traffic",
                     "database errors reported by support", "network latency complaints from EU", "traffic 2 users complained", "db latency is fine for now"] {
            #expect(!SimulationInject.claims(text.split(separator: " ").map(String.init)), "\(text)")
        }
    }

    @Test func aForgedRecordChangesNothing() {
        #expect(SimulationInject(recorded: ["traffic_factor": -2]) == nil)
        #expect(SimulationInject(recorded: ["traffic_factor": 0]) == nil)
        #expect(SimulationInject(recorded: ["database_error_rate": 7]) == nil)
        #expect(SimulationInject(recorded: ["duration_ms": 60_000]) == nil)
        #expect(SimulationInject(recorded: ["network_rtt_ms": "fast"]) == nil)
        #expect(SimulationInject(recorded: .string("traffic ×2")) == nil)
    }

    @Test func trafficDoublesForItsDurationThenFollowsTheScenarioAgain() {
        var model = SimulationModel(scenario: SimulationModelTests.pool(.weightedRoundRobin, weights: [100, 100], rate: 400))
        model.advance(to: Self.start + 60_000)
        #expect(model.legitimateRate == 400)
        model.apply(SimulationInject(trafficFactor: 2, duration: 120_000))
        model.advance(to: Self.start + 61_000)
        #expect(model.legitimateRate == 800)
        #expect(model.lastTick.requests == 800)
        model.advance(to: Self.start + 179_000)
        #expect(model.legitimateRate == 800)
        model.advance(to: Self.start + 181_000)
        #expect(model.legitimateRate == 400)
        #expect(model.injectsInForce.isEmpty)
    }

    @Test func aModelThatReadsTheEntryLateEndsItWhenTheRecordSays() {
        let scenario = SimulationModelTests.pool(.weightedRoundRobin, weights: [100, 100], rate: 400)
        var late = SimulationModel(scenario: scenario)
        late.advance(to: Self.start + 90_000)
        // Recorded at 60.5 s for 60 s: it ends at 120 s, whenever a model makes it.
        let inject = SimulationInject(trafficFactor: 2, duration: 60_000)
        late.apply(inject, at: Self.start + 60_500)
        #expect(late.end(of: inject, at: Self.start + 60_500) == Self.start + 120_000)
        late.advance(to: Self.start + 119_000)
        #expect(late.legitimateRate == 800)
        late.advance(to: Self.start + 121_000)
        #expect(late.legitimateRate == 400)
        // One already over when the model reads it is not made at all.
        late.apply(SimulationInject(trafficFactor: 3, duration: 30_000), at: Self.start + 60_000)
        #expect(late.injectsInForce.isEmpty)
    }

    @Test func theLaterInjectOfAFigureCountsAndTheScenarioShowsThroughWhenBothEnd() {
        // The scenario itself raises the database's latency at 5 min.
        let event = ScenarioEvent(offset: 300_000, dependencies: DependencyChange(databaseLatency: 50))
        var model = SimulationModel(scenario: SimulationModelTests.pool(.weightedRoundRobin, weights: [100, 100], rate: 400, events: [event]))
        model.advance(to: Self.start + 60_000)
        model.apply(SimulationInject(dependencies: DependencyChange(databaseLatency: 200), duration: 600_000))
        model.advance(to: Self.start + 120_000)
        model.apply(SimulationInject(dependencies: DependencyChange(databaseLatency: 900), duration: 120_000))
        model.advance(to: Self.start + 121_000)
        #expect(model.dependencies.databaseLatency == 900)
        // The later one ends: the earlier one holds again, over the scenario's event.
        model.advance(to: Self.start + 310_000)
        #expect(model.dependencies.databaseLatency == 200)
        // Both ended: the scenario's own figure.
        model.advance(to: Self.start + 700_000)
        #expect(model.dependencies.databaseLatency == 50)
        #expect(model.dependencies.networkRTT == model.scenario.dependencies.networkRTT)
    }

    @Test func aSlowDatabaseCutsTheServersCapacity() {
        var model = SimulationModel(scenario: SimulationModelTests.pool(.weightedRoundRobin, weights: [100, 100], rate: 1500))
        model.advance(to: Self.start + 60_000)
        let healthy = model.lastTick.failedAttempts
        model.apply(SimulationInject(dependencies: DependencyChange(databaseLatency: 200)))
        model.advance(to: Self.start + 180_000)
        #expect(healthy == 0)
        #expect(model.lastTick.failedAttempts > 0, "servers of 1000 req/s at 20 ms serve about 90 req/s at 220 ms")
    }

    @Test func theRecordedInjectIsReadFromAPrivateEntryOnly() throws {
        let inject = SimulationInject(trafficFactor: 2, duration: 600_000)
        var entry = TranscriptEntry(seq: 4, at: Self.start, wall: Self.start, by: "fac", kind: .facilitatorOnly, text: inject.summary,
                                    data: ["private": "inject", "simulate": inject.recorded])
        #expect(SimulationInject(entry: entry) == inject)
        #expect(RecordedLBCommand.from(entries: [entry]) == [RecordedLBCommand(at: Self.start, by: "fac", arguments: [], inject: inject)])
        entry.kind = .note
        #expect(SimulationInject(entry: entry) == nil, "only the facilitator's private entry is an inject")
        #expect(inject.summary == "traffic ×2 for 10m")
    }
}
