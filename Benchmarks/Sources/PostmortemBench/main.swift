// Postmortem compiler benchmark.
//
//   swift run -c release --package-path Benchmarks PostmortemBench                 # 10k, 100k, 1M entries
//   swift run -c release --package-path Benchmarks PostmortemBench generate N FILE # write a transcript
//   swift run -c release --package-path Benchmarks PostmortemBench compile FILE [markdown|json|html|all]
//
//   swift run -c release --package-path Benchmarks PostmortemBench phases FILE    # where the time goes
//   swift run -c release --package-path Benchmarks PostmortemBench read-peak FILE # memory of reading alone
//
// `compile` does what `warroom postmortem FILE` does (read, verify, decode, compile, render) and
// reports its phases and the process's peak memory, so it can be timed with hyperfine next to
// `jq -c . FILE`. The default run generates the three sizes, runs `compile` on each in a fresh
// process (so peak memory is that size's alone), and times each format's whole process
// against `jq -c .` on the same files. Run it from the repository root (the CLI looks for a
// drill's scenario in ./Playbooks).
import Foundation
import WarRoomKit

#if canImport(Glibc)
import Glibc
#endif

/// A long incident, written as a responder would: mostly probes and read-only commands, then
/// notes, playbook steps and timers, updates, load balancer changes, shell commands, and now
/// and then a hypothesis, an action item, an amend or a retraction. Whatever the size, the
/// incident lasts eight hours, with the milestones at the same places.
struct TranscriptGenerator {
    let count: Int
    let start = Instant.parseISO8601("2023-11-05T03:30:00Z")!
    let span: Int64 = 8 * 3_600_000

    static let probeKinds = ["errors", "traffic", "latency", "distribution", "health", "db", "network"]
    static let noteTexts = [
        "Customers report messages stuck in 'sending' on the mobile app",
        "Pager went off for msg-3 health checks failing; msg-4 and msg-5 flapping",
        "Support queue up 4x; status page updated by comms #impact",
        "Rollback of the pool weights looks promising in staging #went-well",
        "Nobody double-checked the maintenance change set #went-wrong",
        "Traffic is at its nightly low, so fewer users noticed #lucky",
    ]

    func write(to path: String) throws {
        let writer = try RawFile.create(path: path)
        var previous = HashChain.genesis
        var hypotheses = 0
        var actions = 0
        var lastNote = 0
        var out: [UInt8] = []
        out.reserveCapacity(1 << 22)
        let milestones: [(Double, String)] = [(0.02, "detected"), (0.025, "impact-start"), (0.03, "acknowledged"), (0.1, "escalated"),
                                              (0.15, "mitigated"), (0.99, "resolved")]
        var nextMilestone = 0
        for seq in 1...count {
            let at = start + span * Int64(seq) / Int64(count)
            var entry = TranscriptEntry(seq: seq, at: at, wall: at + 1_000, by: seq % 7 == 0 ? "bob" : "alice", kind: .command,
                                        phase: "investigation", step: "triage")
            let fraction = Double(seq) / Double(count)
            if seq == 1 {
                entry.kind = .open
                entry.text = "Messaging: pool weights misconfigured during maintenance"
                entry.data = [
                    "incident": "INC-20231105-0330", "title": .string(entry.text), "severity": "SEV-1", "responder": "alice",
                    "playbook": ["id": "lb-cascading-failure", "version": 1, "sha256": .string(String(repeating: "a", count: 64)), "path": "Playbooks/lb-cascading-failure.yaml"],
                    "scenario": ["id": "lb-misconfig-2023-11-05", "seed": 20231105, "sha256": .string(String(repeating: "b", count: 64)), "path": "Playbooks/scenarios/lb-misconfig-2023-11-05.yaml"],
                    "clock": ["mode": "virtual", "speed": 0, "start": "2023-11-05T03:30:00.000Z"], "target": "sim",
                    "program": ["name": "warroom", "version": "0.1.0"], "hash": "sha256-chain-v1",
                ]
            } else if nextMilestone < milestones.count, fraction >= milestones[nextMilestone].0 {
                let (_, name) = milestones[nextMilestone]
                nextMilestone += 1
                entry.kind = .milestone
                entry.input = "mark \(name)"
                entry.text = "\(name) marked"
                let time = name == "impact-start" ? start + span / 100 : at
                entry.data = ["milestone": .string(name), "time": .string(time.iso8601)]
            } else {
                switch seq % 100 {
                case 0..<40:
                    let kind = Self.probeKinds[seq % Self.probeKinds.count]
                    entry.kind = .probe
                    entry.input = "probe \(kind)"
                    entry.text = "\(kind): probe result summarised for the responder, with the figures below"
                    let wave = Double((seq / 100) % 60) / 60
                    let metrics: JSONObject =
                        switch kind {
                        case "errors": ["error_rate": .number(0.3 * wave), "timeout_rate": .number(0.05 * wave), "users_affected": .number(0.29 * wave)]
                        case "traffic": ["request_rate": .number(9000 + 3000 * wave), "baseline_ratio": .number(1 + wave / 10), "top_source_share": 0.012]
                        case "latency": ["p50_ms": .number(35 + 100 * wave), "p99_ms": .number(180 + 2800 * wave)]
                        case "distribution": ["skew": .number(1 + 3 * wave), "max_utilization": .number(0.6 + wave)]
                        case "health": ["backends_up": .number(Double(8 - (seq / 100) % 4)), "backends_down": .number(Double((seq / 100) % 4))]
                        case "db": ["latency_ms": 8, "error_rate": 0.0005]
                        default: ["rtt_ms": 0.8, "loss": 0]
                        }
                    entry.data = ["probe": .string(kind), "args": [], "metrics": .object(metrics)]
                case 40..<55:
                    entry.kind = .command
                    entry.input = seq % 2 == 0 ? "status" : "timeline --last 10"
                    entry.text = "phase investigation, step triage, SEV-1, 3 open hypotheses, next escalation in 12m"
                    entry.data = ["command": .string(seq % 2 == 0 ? "status" : "timeline")]
                case 55..<60:
                    entry.kind = .note
                    entry.text = Self.noteTexts[(seq / 100) % Self.noteTexts.count]
                    entry.input = "note " + entry.text
                    let tags = entry.text.split(separator: " ").filter { $0.hasPrefix("#") }.map { JSONValue.string(String($0.dropFirst())) }
                    if !tags.isEmpty { entry.data = ["tags": .array(tags)] }
                    lastNote = seq
                case 60..<66:
                    entry.kind = .step
                    let status = ["current", "done", "current", "skipped", "current", "done"][seq % 6]
                    entry.text = status == "skipped" ? "not needed: cause known" : ""
                    entry.data = ["step": .string("step-\((seq / 100) % 20)"), "status": .string(status)]
                    if status == "skipped" { entry.data["reason"] = "not needed: cause known" }
                case 66..<70:
                    entry.kind = .timer
                    entry.text = "Reminder: post a status update (last one 30m ago)"
                    entry.data = ["timer": "status-update", "due": .string(at.iso8601)]
                case 70..<73:
                    entry.kind = .update
                    entry.text = "Investigating elevated error rates on messaging; next update in 30 minutes"
                    entry.input = "update " + entry.text
                case 73..<75:
                    entry.kind = .lb
                    let version = seq / 50
                    entry.input = "lb weight msg-\(seq % 8) \(seq % 100)"
                    entry.text = "msg-\(seq % 8) weight set to \(seq % 100) (config v\(version + 1))"
                    entry.data = ["action": "weight", "backend": .string("msg-\(seq % 8)"), "value": .number(Double(seq % 100)),
                                  "version": .number(Double(version + 1)), "from_version": .number(Double(version))]
                case 75..<78:
                    entry.kind = .shell
                    entry.input = "!kubectl get pods -n messaging"
                    entry.text = "NAME READY STATUS RESTARTS AGE\nmsg-1 1/1 Running 0 3d\nmsg-2 1/1 Running 0 3d"
                    entry.data = ["command": "kubectl get pods -n messaging", "exit_code": 0, "timed_out": false, "truncated": false,
                                  "timeout_s": 30, "output_bytes": 74]
                case 78 where seq % 2000 == 78:
                    hypotheses += 1
                    entry.kind = .hypothesis
                    entry.text = "Suspect \(["a DDoS", "the database", "network latency", "a bad deploy"][hypotheses % 4]) (H\(hypotheses))"
                    entry.data = ["id": .string("H\(hypotheses)"), "status": "open"]
                case 79 where seq % 2000 == 1079 && hypotheses > 0:
                    entry.kind = .hypothesis
                    entry.text = "probes show it normal"
                    entry.data = ["id": .string("H\(hypotheses)"), "status": "ruled-out", "reason": "probes show it normal"]
                case 80 where seq % 2500 == 80:
                    actions += 1
                    entry.kind = .action
                    entry.text = "Follow-up \(actions): add a post-change check for the pool weights"
                    entry.data = ["id": .string("A\(actions)"), "status": "open", "owner": "sre", "type": "prevent", "due": "2023-12-01"]
                case 81 where seq % 5000 == 81 && lastNote > 0:
                    entry.kind = .amend
                    entry.text = "Corrected: " + Self.noteTexts[0]
                    entry.data = ["target": .number(Double(lastNote))]
                case 82 where seq % 5000 == 82 && lastNote > 0:
                    entry.kind = .retract
                    entry.text = "duplicate"
                    entry.data = ["target": .number(Double(lastNote)), "reason": "duplicate"]
                default:
                    entry.kind = .command
                    entry.input = "steps"
                    entry.text = "detection: 2 done; investigation: triage (current), 3 pending"
                    entry.data = ["command": "steps"]
                }
            }
            if seq == count {
                entry.kind = .close
                entry.text = "closed"
                // As warroom writes a close: how the incident stood before it (`list` reads it).
                let before = start + span * Int64(seq - 1) / Int64(count)
                entry.data = ["summary": "Pool weights corrected; configuration audit scheduled.", "state": ["severity": "SEV-1", "last_at": .string(before.iso8601)]]
            }
            var content = entry.contentBytes()
            entry.hash = HashChain.hash(previous: previous, content: content)
            previous = entry.hash
            content.removeLast()
            out += content
            out += Array(",\"hash\":\"".utf8)
            out += Array(entry.hash.utf8)
            out += Array("\"}\n".utf8)
            if out.count > 1 << 22 {
                try writer.write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        try writer.write(out)
        writer.close()
    }
}

/// Plain buffered file output for the generator (the transcript writer fsyncs every entry,
/// which is right for a session and far too slow for writing a million).
final class RawFile {
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    func write(_ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if result < 0 { throw BenchError.io("write failed") }
            written += result
        }
    }

    func close() { Glibc.close(fd) }

    static func create(path: String) throws -> RawFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw BenchError.io("cannot create \(path)") }
        return RawFile(fd: fd)
    }
}

enum BenchError: Error { case io(String), usage(String) }

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func peakMemoryBytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024
}

/// The size of a file, following symbolic links.
func fileSize(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : 0
}

func format(_ value: Double, _ places: Int = 3) -> String { String(format: "%.\(places)f", value) }

/// `compile FILE [format]`: one postmortem, its phases timed, peak memory reported.
func compile(path: String, formats: [PostmortemFormat]) throws {
    let clock = ContinuousClock()
    let started = clock.now
    // As `warroom postmortem` does: a drill's simulation is looked up in ./Playbooks (the
    // generated transcripts pin a scenario whose SHA-256 does not match, so it is not re-run),
    // and only the HTML and JSON sample it for the chart.
    let model = try Postmortem.compile(transcriptPath: path, scenarioFolders: ["Playbooks"], drawChart: formats != [.markdown])
    let compiled = clock.now
    var line = "compile \(format(seconds(compiled - started)))s (peak \(peakMemoryBytes() >> 20)MiB)"
    var total = compiled - started
    for format in formats {
        let before = clock.now
        let text = PostmortemRenderer.render(model, format: format)
        let took = clock.now - before
        total += took
        line += "  \(format.rawValue) \(text.utf8.count / 1024)KiB \(String(format: "%.3f", seconds(took)))s"
    }
    let size = fileSize(path)
    let peak = peakMemoryBytes()
    print("\(line)  total \(format(seconds(total)))s  peak \(peak >> 20)MiB = \(format(Double(peak) / Double(max(size, 1)), 2))x file  entries \(model.incident.entryCount) timeline \(model.timeline.count)")
}

/// `phases FILE`: where a compile's time goes, each phase the best of five runs.
func phases(path: String) throws {
    let clock = ContinuousClock()
    func best<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        var result: T?
        var fastest = Double.infinity
        for _ in 0..<5 {
            let started = clock.now
            result = try body()
            fastest = min(fastest, seconds(clock.now - started))
        }
        return (result!, fastest)
    }
    let (bytes, read) = try best { try TranscriptLog.readBytes(path: path) }
    let (report, verify) = best { TranscriptVerifier.verify(bytes: bytes) }
    let (log, decode) = try best { try TranscriptLog.decode(bytes: bytes, path: path) }
    let (_, fold) = best { IncidentState(entries: log.entries) }
    let (model, build) = best { PostmortemModel(log: log, verification: report) }
    let (_, whole) = try best { try Postmortem.compile(bytes: bytes, path: path) }
    var renders = ""
    for kind in PostmortemFormat.allCases {
        let (text, took) = best { PostmortemRenderer.render(model, format: kind) }
        renders += "  \(kind.rawValue) \(format(took))s (\(text.utf8.count >> 10) KiB)"
    }
    print("read \(format(read))s  verify \(format(verify))s  decode \(format(decode))s  fold \(format(fold))s  fold+postmortem \(format(build))s  compile(verify+decode+postmortem) \(format(whole))s\n  render:\(renders)  timeline \(model.timeline.count)")
}

/// Wall time of one run of a command, in seconds.
func time(_ executable: String, _ arguments: [String], stdoutTo devNull: Bool = true) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if devNull { process.standardOutput = FileHandle.nullDevice }
    let clock = ContinuousClock()
    let started = clock.now
    try process.run()
    process.waitUntilExit()
    return seconds(clock.now - started)
}

func run() throws {
    let arguments = Array(CommandLine.arguments.dropFirst())
    switch arguments.first {
    case "generate":
        guard arguments.count == 3, let count = Int(arguments[1]) else { throw BenchError.usage("generate N FILE") }
        try TranscriptGenerator(count: count).write(to: arguments[2])
    case "read-peak":
        // Peak memory of reading the file alone, to tell the reader's share from the compiler's.
        guard arguments.count == 2 else { throw BenchError.usage("read-peak FILE") }
        let bytes = try TranscriptLog.readBytes(path: arguments[1])
        print("read \(bytes.count >> 20)MiB  peak \(peakMemoryBytes() >> 20)MiB")
    case "phases":
        guard arguments.count == 2 else { throw BenchError.usage("phases FILE") }
        try phases(path: arguments[1])
    case "compile":
        guard arguments.count >= 2 else { throw BenchError.usage("compile FILE [markdown|json|html|all]") }
        let which = arguments.count > 2 ? arguments[2] : "markdown"
        let formats = which == "all" ? PostmortemFormat.allCases : [PostmortemFormat(name: which) ?? .markdown]
        try compile(path: arguments[1], formats: formats)
    default:
        let folder = NSTemporaryDirectory() + "warroom-postmortem-bench"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let me = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
            : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
        for count in [10_000, 100_000, 1_000_000] {
            let path = "\(folder)/transcript-\(count).jsonl"
            if !FileManager.default.fileExists(atPath: path) { try TranscriptGenerator(count: count).write(to: path) }
            print("\(count) entries, \(fileSize(path) >> 20) MiB: \(path)")
            fflush(nil)
            for which in ["markdown", "all"] {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: me)
                process.arguments = ["compile", path, which]
                try process.run()
                process.waitUntilExit()
            }
            let runs = count >= 1_000_000 ? 1 : 3
            let jq = try (0..<runs).map { _ in try time("/usr/bin/jq", ["-c", ".", path]) }.min()!
            var line = "  whole process, best of \(runs): jq -c . \(format(jq))s"
            for which in ["markdown", "json", "html"] {
                let best = try (0..<runs).map { _ in try time(me, ["compile", path, which]) }.min()!
                line += "  \(which) \(format(best))s (\(format(best / jq, 2))× jq)"
            }
            print(line)
            fflush(nil)
        }
    }
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("PostmortemBench: \(error)\n".utf8))
    exit(1)
}
