import WarRoomKit

/// Any bytes as a scenario file: linting reports problems and never traps; and what it
/// accepts, the simulation runs — two simulated minutes, read by every probe — without
/// trapping either.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let (scenario, _) = ScenarioLoader.parse(bytes: bytes, file: "fuzz.yaml")
    guard let scenario else { return 0 }
    let target = SimulatedTarget(scenario: scenario)
    for seconds in [1, 61, 121] as [Int64] {
        let now = scenario.start + seconds * 1000
        _ = try? target.snapshot(at: now)
        _ = try? target.latency(at: now)
        _ = try? target.window(at: now, seconds: 60)
        _ = try? target.configuration(at: now)
        _ = try? target.errors(at: now, minutes: 30)
        _ = try? target.traffic(at: now)
        _ = try? target.dependencies(at: now)
        _ = try? target.usersAffected(at: now)
        for backend in scenario.backends.prefix(3) { _ = try? target.serverDetail(backend.name, at: now) }
    }
    if let first = scenario.backends.first {
        let now = scenario.start + 150_000
        _ = try? target.setWeight(0, server: first.name, at: now)
        _ = try? target.setRateLimit(1, at: now)
        _ = try? target.snapshot(at: now + 30_000)
    }
    return 0
}
