// Simulation speed, in a release build:
//   swift run -c release --package-path Benchmarks SimulationBench
import Foundation
import WarRoomKit

let clock = ContinuousClock()

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// CPU seconds this process has used (user + system): on a busy machine, wall time also counts
/// the time spent waiting for a core.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// The fastest of `runs` runs: (wall seconds, CPU seconds).
func best(of runs: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
    var fastest = (wall: Double.infinity, cpu: Double.infinity)
    for _ in 0..<runs {
        let cpu = cpuSeconds()
        let wall = seconds(clock.measure(body))
        fastest = (min(fastest.wall, wall), min(fastest.cpu, cpuSeconds() - cpu))
    }
    return fastest
}

/// A generated pool of `count` servers with sticky users, a one-hour database slowdown that
/// overloads the whole pool (checks fail, servers flap), and a weight change.
func largeScenario(count: Int) -> Scenario {
    let start = Instant.parseISO8601("2024-01-01T00:00:00Z")!
    let backends = (1...count).map { BackendSpec(name: "node-\($0)", capacity: 100, latency: 30, weight: 100) }
    let events = [
        ScenarioEvent(offset: 2 * 3_600_000, note: "database slowdown", dependencies: DependencyChange(databaseLatency: 25)),
        ScenarioEvent(offset: 3 * 3_600_000, note: "database recovers", dependencies: DependencyChange(databaseLatency: 5)),
        ScenarioEvent(offset: 6 * 3_600_000, by: "automation", set: ConfigChange(weights: (1...count / 10).map { ("node-\($0)", 120) })),
    ]
    return Scenario(id: "bench-\(count)", title: "generated", start: start, seed: 42, users: 5_000_000,
                    traffic: TrafficSpec(rate: Double(count) * 60, sticky: true, sources: 2000,
                                         profile: [RatePoint(offset: 12 * 3_600_000, rate: Double(count) * 75), RatePoint(offset: 24 * 3_600_000, rate: Double(count) * 60)]),
                    loadBalancer: LoadBalancerSpec(algorithm: .weightedRoundRobin), backends: backends, events: events)
}

let seedPath = CommandLine.arguments.dropFirst().first ?? "Playbooks/scenarios/lb-misconfig-2023-11-05.yaml"
let seed: Scenario
do {
    seed = try ScenarioLoader.load(path: seedPath)
} catch {
    print("cannot load the seed drill from \(seedPath) (run from the repository root, or pass its path): \(error)")
    exit(74)
}

// 1. Throughput: backend-ticks per second on one core.
let large = largeScenario(count: 1000)
let ticks = 3600
let throughputSeconds = best(of: 3) {
    var model = SimulationModel(scenario: large)
    for _ in 0..<ticks { model.step() }
    precondition(model.totals.attempts > 0)
}
let backendTicks = Double(ticks * large.backends.count)
print(String(format: "model throughput: %.1f million backend-ticks/s wall, %.1f per CPU second (1,000 backends × 3,600 ticks in %.3f s)",
             backendTicks / throughputSeconds.wall / 1e6, backendTicks / throughputSeconds.cpu / 1e6, throughputSeconds.wall))

// 2. `advance 8h` in the seed drill.
let advanceSeconds = best(of: 5) {
    let target = SimulatedTarget(scenario: seed)
    target.advance(to: seed.start + 8 * 3_600_000)
    precondition(target.model.ticks == 8 * 3600)
}
print(String(format: "advance 8h in %@: %.1f ms wall, %.1f ms CPU", seed.id, advanceSeconds.wall * 1000, advanceSeconds.cpu * 1000))

// 3. `simulate --duration 24h` of a 1,000-backend scenario (one sample a minute, CSV).
var bytes = 0
let simulateSeconds = best(of: 2) {
    bytes = 0
    SimulationReport.run(scenario: large, duration: 24 * 3_600_000, every: 60_000, format: .csv) { bytes += $0.utf8.count + 1 }
}
print(String(format: "simulate 24h, 1,000 backends, every 1m, csv: %.2f s wall, %.2f s CPU (%d bytes)", simulateSeconds.wall, simulateSeconds.cpu, bytes))

// Memory stays bounded by the history window, not by the run's length.
var model = SimulationModel(scenario: large)
model.advance(to: large.start + 24 * 3_600_000)
print("history windows kept after 24h: \(model.history.count) (capacity \(SimulationHistory.capacity))")
