// Transcript and shell benchmarks (release):
//   swift run -c release --package-path Benchmarks TranscriptBench [ENTRIES]
// Measures: handling a command with ENTRIES already recorded (p50/p99, with and without fsync),
// resuming an ENTRIES transcript, and verify throughput.
import Foundation
import WarRoomKit

func monotonic() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

let source = TimeSource(
    wallNow: {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Instant(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    },
    monotonicSeconds: monotonic)

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

// `TranscriptBench resume FILE`: only time resuming an existing transcript (for profiling).
if CommandLine.arguments.count > 2, CommandLine.arguments[1] == "resume" {
    var times: [Double] = []
    for _ in 0..<5 {
        let start = monotonic()
        let (resumed, _) = try Session.resume(path: CommandLine.arguments[2], responder: "bench", source: source)
        times.append(monotonic() - start)
        resumed.syncsToDisk = false
        _ = resumed.handle("quit")
    }
    print(String(format: "resume: median %.3f s (min %.3f s)", percentile(times, 0.5), times.min()!))
    exit(0)
}

let entries = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100_000 : 100_000
let folder = NSTemporaryDirectory() + "warroom-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { if ProcessInfo.processInfo.environment["WARROOM_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(atPath: folder) } }

var options = StartOptions(responder: "bench", transcriptsFolder: folder)
options.clockMode = .virtual
options.speed = 0
options.title = "Benchmark"
options.freeForm = true
let session = try Session.start(options, source: source).0
session.syncsToDisk = false
let lines = ["note checking the pool #went-well", "hyp database slow", "mark detected", "advance 1s", "action Audit --owner a", "update all good"]
var fill = 0
while session.state.lastSeq < entries {
    _ = session.handle(lines[fill % lines.count] == "mark detected" ? "note filler \(fill)" : lines[fill % lines.count])
    fill += 1
}
print("transcript: \(session.state.lastSeq) entries")

for sync in [false, true] {
    session.syncsToDisk = sync
    var samples: [Double] = []
    for index in 0..<2000 {
        let start = monotonic()
        _ = session.handle(index % 2 == 0 ? "note sample \(index) on the distribution #went-well" : "hyp sample \(index)")
        samples.append((monotonic() - start) * 1000)
    }
    print(String(format: "handle a command (%@): p50 %.3f ms, p99 %.3f ms, max %.3f ms", sync ? "with fsync" : "excluding fsync",
                 percentile(samples, 0.5), percentile(samples, 0.99), samples.max()!))
}
let path = session.path
_ = session.handle("quit")

var resumeTimes: [Double] = []
for _ in 0..<5 {
    let start = monotonic()
    let (resumed, _) = try Session.resume(path: path, responder: "bench", source: source)
    resumeTimes.append(monotonic() - start)
    resumed.syncsToDisk = false
    _ = resumed.handle("quit")
}
print(String(format: "resume %d entries: median %.3f s (min %.3f s)", entries, percentile(resumeTimes, 0.5), resumeTimes.min()!))

let bytes = try TranscriptLog.readBytes(path: path)
var verifyTimes: [Double] = []
for _ in 0..<5 {
    let start = monotonic()
    let report = TranscriptVerifier.verify(bytes: bytes)
    verifyTimes.append(monotonic() - start)
    precondition(report.isValid)
}
let megabytes = Double(bytes.count) / 1_000_000
print(String(format: "verify %.1f MB: median %.3f s = %.0f MB/s", megabytes, percentile(verifyTimes, 0.5), megabytes / percentile(verifyTimes, 0.5)))
