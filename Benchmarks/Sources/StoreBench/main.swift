// PostgreSQL store benchmarks (release):
//   scripts/bench-store            (starts a scratch PostgreSQL with its default, durable settings)
//   swift run -c release --package-path Benchmarks StoreBench URL [APPENDS] [SECONDS]
// Creates warroom's schema if missing, then measures the append round trip of one writer
// (p50/p99 over APPENDS appends, each one transaction committed with the server's default
// synchronous_commit), and sustained appends with 8 writers into one incident for SECONDS
// (each writer appends after the head it knows and, when another got there first, reads the
// head again and retries, as a shell does).
import Foundation
import WarRoomKit
import WarRoomPostgres

func monotonic() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

let arguments = CommandLine.arguments
guard arguments.count > 1 else {
    FileHandle.standardError.write(Data("usage: StoreBench URL [APPENDS] [SECONDS]\n".utf8))
    exit(64)
}
let url = ConnectionString(arguments[1])
let appends = arguments.count > 2 ? Int(arguments[2]) ?? 2000 : 2000
let seconds = arguments.count > 3 ? Double(arguments[3]) ?? 10 : 10
let runID = "\(getpid())-\(Int(monotonic()))"

@Sendable func draft(_ text: String, by: String = "bench") -> TranscriptEntry {
    let start = Instant(milliseconds: 1_699_155_000_000)
    return TranscriptEntry(seq: 0, at: start, wall: start, by: by, kind: .note, text: text, data: ["tags": ["went-well"]])
}

func open(_ suffix: String) throws -> PostgresTranscriptStore {
    let start = Instant(milliseconds: 1_699_155_000_000)
    let id = "bench-\(runID)-\(suffix)"
    let opening = TranscriptEntry(seq: 0, at: start, wall: start, by: "bench", kind: .open, text: "Benchmark",
                                  data: ["incident": .string(id), "title": "Benchmark", "severity": "SEV-3"])
    return try PostgresTranscriptStore.create(url: url, opening: opening).0
}

_ = try PostgresSchema.initialize(url: url)
let probe = try PostgresConnection(url: url)
let settings = try probe.execute("SELECT current_setting('synchronous_commit'), current_setting('fsync'), version()")
print("server: \(settings.string(0, 2) ?? "?")")
print("synchronous_commit=\(settings.string(0, 0) ?? "?"), fsync=\(settings.string(0, 1) ?? "?"), target \(probe.target)")
probe.close()

// One writer: the round trip of an append (lock the head, insert, move it, notify, commit).
let single = try open("single")
var head = try single.head()
var samples: [Double] = []
for index in 0..<(appends + 100) {
    let began = monotonic()
    let written = try single.append([draft("note \(index) checking the pool")], after: head)
    let took = (monotonic() - began) * 1000
    head = TranscriptHead(seq: written[0].seq, hash: written[0].hash)
    if index >= 100 { samples.append(took) }  // the first 100 warm the connection and caches
}
print(String(format: "append round trip, 1 writer, %d appends: p50 %.3f ms, p99 %.3f ms, max %.3f ms, mean %.3f ms",
             samples.count, percentile(samples, 0.5), percentile(samples, 0.99), samples.max()!, samples.reduce(0, +) / Double(samples.count)))
single.close()

// Eight writers, one incident.
let shared = try open("eight")
let incident = shared.incident
shared.close()

final class Totals: @unchecked Sendable {
    // `@unchecked`: every field is touched under `lock`.
    private let lock = NSLock()
    private var appended = 0
    private var retries = 0
    private var latencies: [Double] = []

    func add(appended: Int, retries: Int, latencies: [Double]) {
        lock.withLock {
            self.appended += appended
            self.retries += retries
            self.latencies += latencies
        }
    }

    var values: (appended: Int, retries: Int, latencies: [Double]) { lock.withLock { (appended, retries, latencies) } }
}

/// Runs 8 writers into one incident until `seconds` pass.
func eightWriters(url: ConnectionString, incident: String, seconds: Double) -> Totals {
    let totals = Totals()
    let group = DispatchGroup()
    let deadline = monotonic() + seconds
    for writer in 0..<8 {
        group.enter()
        Thread {
            defer { group.leave() }
            do {
                let store = try PostgresTranscriptStore.open(url: url, incident: incident)
                defer { store.close() }
                var head = try store.head()
                var appended = 0
                var retries = 0
                var latencies: [Double] = []
                var decided = monotonic()
                while monotonic() < deadline {
                    do {
                        let written = try store.append([draft("writer \(writer) note \(appended)", by: "w\(writer)")], after: head)
                        head = TranscriptHead(seq: written[0].seq, hash: written[0].hash)
                        appended += 1
                        let now = monotonic()
                        latencies.append((now - decided) * 1000)
                        decided = now
                    } catch TranscriptError.headMoved {
                        retries += 1
                        head = try store.head()
                    }
                }
                totals.add(appended: appended, retries: retries, latencies: latencies)
            } catch {
                FileHandle.standardError.write(Data("writer \(writer): \(error)\n".utf8))
            }
        }.start()
    }
    group.wait()
    return totals
}

let totals = eightWriters(url: url, incident: incident, seconds: seconds)
let result = totals.values
let check = try PostgresTranscriptStore.open(url: url, incident: incident)
let report = try check.verify()
check.close()
print(String(format: "8 writers, one incident, %.0f s: %d appends = %.0f appends/s in total; %d head-moved retries; per command (first try to recorded) p50 %.2f ms, p99 %.2f ms",
             seconds, result.appended, Double(result.appended) / seconds, result.retries,
             percentile(result.latencies, 0.5), percentile(result.latencies, 0.99)))
print(report.isValid ? "chain verifies: \(report.goodEntries) entries" : "chain BROKEN: \(report.problem!)")
