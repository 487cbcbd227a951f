// Playbook performance: linting a 10,000-step playbook (target < 200 ms in release) and
// evaluating timers over a 24 h `advance` with a dozen timers (target < 10 ms).
//   swift run -c release --package-path Benchmarks PlaybookBench
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WarRoomKit

/// A playbook of `phases` × `steps` steps. A full step has a guide, suggested commands, a
/// timebox and a role; a lean one only an id and a title. Every third step has a check with
/// both branches, so that every lint rule does real work.
func generatedPlaybook(phases: Int, steps: Int, full: Bool) -> String {
    var text = """
        playbook: generated
        title: Generated playbook
        version: 1
        roles: [commander, operations]
        status_updates: 30m
        escalation:
          - after: 15m
            unless: mitigated
            page: sre-oncall
        phases:

        """
    for p in 0..<phases {
        text += "  - name: phase-\(p)\n    steps:\n"
        for s in 0..<steps {
            let id = "step-\(p)-\(s)"
            text += "      - id: \(id)\n        title: Step \(s) of phase \(p)\n"
            if full {
                text += """
                            guide: |
                              Look at the probes, decide, and record what you saw.
                            run: ["probe errors", "note checked \(id)"]
                            timebox: 5m
                            role: operations

                    """
            }
            if s % 3 == 0 {
                let back = s > 0 ? "step-\(p)-\(s - 1)" : "phase-\(p)"
                text += """
                            check:
                              probe: errors
                              metric: error_rate
                              below: 0.01
                            on_pass: next
                            on_fail: \(back)

                    """
            }
        }
    }
    return text
}

/// CPU time of this thread in milliseconds: on a shared machine, wall time also counts the
/// time other processes held the cores, so both are reported.
func cpuMilliseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
}

/// Runs `body` `runs` times after a warm-up; prints and returns the median wall time (ms).
func measure(_ label: String, runs: Int, _ body: () -> Void) -> Double {
    body()
    var wall: [Double] = []
    var cpu: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<runs {
        let cpuStart = cpuMilliseconds()
        let elapsed = clock.measure(body)
        cpu.append(cpuMilliseconds() - cpuStart)
        wall.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    wall.sort()
    cpu.sort()
    print("\(label): wall median \(format3(wall[wall.count / 2])) ms (min \(format3(wall[0])), max \(format3(wall.last!))), "
        + "CPU median \(format3(cpu[cpu.count / 2])) ms (min \(format3(cpu[0]))), \(runs) runs")
    return wall[wall.count / 2]
}

func format3(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return String(scaled)
}

// 1. Lint a 10,000-step playbook, with full steps and with lean ones.
var lintMedian = 0.0
for full in [true, false] {
    let yaml = Array(generatedPlaybook(phases: 100, steps: 100, full: full).utf8)
    let kind = full ? "full" : "lean"
    print("generated playbook: 10,000 \(kind) steps, \(yaml.count / 1024) KiB")
    var diagnostics: [Diagnostic] = []
    let median = measure("lint 10,000 \(kind) steps", runs: 15) { diagnostics = PlaybookLoader.lint(bytes: yaml, file: "generated.yaml") }
    precondition(diagnostics.isEmpty, "the generated playbook should lint clean: \(diagnostics.prefix(3))")
    if full { lintMedian = median }
}

// 2. Timers over a 24 h advance: 10 escalation rules, status updates every 30 m, a timebox.
var timerYAML = "playbook: timers\ntitle: Timers\nversion: 1\nstatus_updates: 30m\nescalation:\n"
for minutes in stride(from: 10, through: 100, by: 10) {
    timerYAML += "  - after: \(minutes)m\n    page: team-\(minutes)\n"
}
timerYAML += "phases:\n  - name: only\n    steps:\n      - id: long\n        title: A long step\n        timebox: 3h\n"
let playbook = try PlaybookLoader.load(bytes: Array(timerYAML.utf8), file: "timers.yaml")
let start = Instant.parseISO8601("2023-11-05T03:30:00Z")!
var progress = PlaybookProgress(playbook: playbook)
progress.apply(TranscriptEntry(seq: 1, at: start, wall: start, by: "bench", kind: .open))
for draft in try progress.begin(at: start).entries {
    progress.apply(draft.entry(seq: 2, now: start, wall: start, by: "bench"))
}
var firings: [TimerFiring] = []
let timerMedian = measure("dueTimers over 24 h, 12 timers", runs: 200) {
    firings = progress.dueTimers(from: start, through: start + 24 * 3_600_000)
}
print("  \(firings.count) firings: \(firings.filter { $0.kind == .escalation }.count) escalations, "
    + "\(firings.filter { $0.kind == .statusUpdate }.count) status updates, \(firings.filter { $0.kind == .timebox }.count) timebox")

print("targets: lint < 200 ms \(lintMedian < 200 ? "met" : "MISSED"), timers < 10 ms \(timerMedian < 10 ? "met" : "MISSED")")
