// Reading the record: each row of BENCHMARKS.md's "Reading the record" table, whole process,
// against its floor (the bytes read and hashed: `sha256sum`) and, for the postmortem, `jq -c .`.
//
//   swift build -c release --product warroom
//   swift run -c release --package-path Benchmarks ReadBench [ENTRIES] [--runs N] [--mixed FILE] [--warroom PATH]
//
// Run it from the repository root (it runs .build/release/warroom unless --warroom names
// another). It has warroom write a note-only transcript of ENTRIES entries (100,000 by
// default; about 360 bytes each) from a piped script, and takes a drill-shaped one with --mixed
// (written by `PostmortemBench generate N FILE`). Each command runs N times (5 by default) in a fresh
// process: the median wall time, CPU time (user + system) and peak memory are printed, with the
// ratio of CPU time to the floor's on the same file.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

enum BenchError: Error { case io(String), usage(String) }

/// One run of a process: wall seconds, CPU seconds (user + system), peak resident bytes.
struct Sample {
    var wall: Double
    var cpu: Double
    var peak: Int
}

/// Where GNU time writes the peak memory of the command it ran.
let peakFile = NSTemporaryDirectory() + "warroom-readbench-peak-\(getpid())"

/// Runs `arguments` with stdin from `input` (or /dev/null) and stdout and stderr to /dev/null.
/// With `peak`, it runs under GNU time for the command's own peak memory: a process started from
/// this one counts this one's memory in its own high-water mark.
func measure(_ arguments: [String], input: String? = nil, peak: Bool = true) throws -> Sample {
    guard peak else { return try spawn(arguments, input: input) }
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
        throw BenchError.usage("no /usr/bin/time: install GNU time (apt-get install time) for the peak memory of each command")
    }
    var sample = try spawn(["/usr/bin/time", "-f", "%M", "-o", peakFile] + arguments, input: input)
    let text = (try? String(contentsOfFile: peakFile, encoding: .utf8)) ?? ""
    sample.peak = (Int(text.split(separator: "\n").last.map(String.init) ?? "") ?? 0) * 1024
    return sample
}

func spawn(_ arguments: [String], input: String?) throws -> Sample {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let started = ContinuousClock.now
    guard posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ) == 0 else { throw BenchError.io("cannot run \(arguments[0])") }
    var status: Int32 = 0
    var usage = rusage()
    guard wait4(pid, &status, 0, &usage) == pid else { throw BenchError.io("wait4 failed") }
    let wall = ContinuousClock.now - started
    guard status == 0 else { throw BenchError.io("\(arguments.joined(separator: " ")) exited with status \(status)") }
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return Sample(wall: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18,
                  cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime), peak: usage.ru_maxrss * 1024)
}

/// The median of each figure over `runs` runs; `prepare` runs untimed before each.
func median(runs: Int, prepare: () throws -> Void = {}, _ run: () throws -> Sample) throws -> Sample {
    var samples: [Sample] = []
    for _ in 0..<runs {
        try prepare()
        samples.append(try run())
    }
    func middle(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    return Sample(wall: middle(samples.map(\.wall)), cpu: middle(samples.map(\.cpu)), peak: samples.map(\.peak).sorted()[samples.count / 2])
}

/// A free-form incident of `count` notes (the open entry among them), written by warroom itself
/// as a responder's piped script would: the transcript is exactly what warroom writes.
func writeNotes(count: Int, warroom: String, folder: String) throws -> String {
    let script = folder + "/notes.script"
    var text = ""
    text.reserveCapacity(count * 80)
    for number in 1..<max(2, count - 1) { text += "note observation number \(number): the error rate on msg-\(number % 30) looks higher than before\n" }
    text += "quit\n"
    try Data(text.utf8).write(to: URL(fileURLWithPath: script))
    let transcripts = folder + "/notes"
    try FileManager.default.createDirectory(atPath: transcripts, withIntermediateDirectories: true)
    _ = try measure([warroom, "start", "--free-form", "--clock", "virtual", "--speed", "0", "--title", "notes", "--as", "alice", "--transcripts", transcripts],
                    input: script, peak: false)
    guard let name = try FileManager.default.contentsOfDirectory(atPath: transcripts).first(where: { $0.hasSuffix(".jsonl") }) else {
        throw BenchError.io("warroom wrote no transcript in \(transcripts)")
    }
    return transcripts + "/" + name
}

func copy(_ from: String, to: String) throws {
    if FileManager.default.fileExists(atPath: to) { try FileManager.default.removeItem(atPath: to) }
    try FileManager.default.copyItem(atPath: from, toPath: to)
}

func run() throws {
    var arguments = Array(CommandLine.arguments.dropFirst())
    var runs = 5
    var mixed: String?
    if let at = arguments.firstIndex(of: "--runs"), at + 1 < arguments.count, let value = Int(arguments[at + 1]), value > 0 {
        runs = value
        arguments.removeSubrange(at...(at + 1))
    }
    if let at = arguments.firstIndex(of: "--mixed"), at + 1 < arguments.count {
        mixed = arguments[at + 1]
        arguments.removeSubrange(at...(at + 1))
    }
    var warroom = FileManager.default.currentDirectoryPath + "/.build/release/warroom"
    if let at = arguments.firstIndex(of: "--warroom"), at + 1 < arguments.count {
        warroom = arguments[at + 1]
        arguments.removeSubrange(at...(at + 1))
    }
    let count = arguments.first.flatMap(Int.init) ?? 100_000
    guard FileManager.default.isExecutableFile(atPath: warroom) else {
        throw BenchError.usage("no \(warroom): run `swift build -c release --product warroom` in the repository root first")
    }
    let folder = NSTemporaryDirectory() + "warroom-readbench-\(getpid())"
    try FileManager.default.createDirectory(atPath: folder + "/list", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let notes = try writeNotes(count: count, warroom: warroom, folder: folder)
    let quit = folder + "/quit"
    try Data("quit\n".utf8).write(to: URL(fileURLWithPath: quit))

    var files = [("note-only", notes)]
    if let mixed { files.append(("drill-shaped", mixed)) }
    print("ReadBench: median of \(runs) runs, whole process; CPU is user + system; ratios are of CPU time\n")
    for (shape, path) in files {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print("\(shape): \(path == notes ? "\(count) notes" : path), \(String(format: "%.1f", Double(size) / 1_048_576)) MiB")
        let floor = try median(runs: runs) { try measure(["sha256sum", path]) }
        let jq = try median(runs: runs) { try measure(["jq", "-c", ".", path]) }
        func row(_ name: String, _ sample: Sample) {
            print("  \(name.padding(toLength: 26, withPad: " ", startingAt: 0)) wall \(String(format: "%6.3f", sample.wall)) s  CPU \(String(format: "%6.3f", sample.cpu)) s"
                  + "  \(String(format: "%5.1f", sample.cpu / floor.cpu))× floor  \(String(format: "%5.2f", sample.cpu / jq.cpu))× jq  peak \(sample.peak / 1_048_576) MiB")
        }
        row("sha256sum (the floor)", floor)
        row("jq -c .", jq)
        row("verify", try median(runs: runs) { try measure([warroom, "verify", path]) })
        let scratch = folder + "/resume.jsonl"
        do {
            row("resume (and quit)", try median(runs: runs, prepare: { try copy(path, to: scratch) }) {
                try measure([warroom, "resume", scratch, "--as", "bench"], input: quit)
            })
        } catch {
            // A closed incident is not resumed (the generated drill-shaped one is closed).
            print("  resume                     not measured: warroom refused it (a closed incident is not resumed)")
        }
        row("timeline", try median(runs: runs) { try measure([warroom, "timeline", path]) })
        for format in ["markdown", "json", "html"] {
            row("postmortem --format \(format)", try median(runs: runs) { try measure([warroom, "postmortem", path, "--format", format]) })
        }
        try copy(path, to: folder + "/list/incident.jsonl")
        row("list (this one transcript)", try median(runs: runs) { try measure([warroom, "list", "--transcripts", folder + "/list"]) })
        print("")
    }
    let startFolder = folder + "/start"
    try FileManager.default.createDirectory(atPath: startFolder, withIntermediateDirectories: true)
    let version = try median(runs: max(runs, 20)) { try measure([warroom, "--version"], peak: false) }
    let drill = try median(runs: max(runs, 20)) { try measure([warroom, "start", "--speed", "0", "--transcripts", startFolder], input: quit, peak: false) }
    print("start-up: warroom --version wall \(String(format: "%.1f", version.wall * 1000)) ms, CPU \(String(format: "%.1f", version.cpu * 1000)) ms;"
          + " the bundled drill opened and paused wall \(String(format: "%.1f", drill.wall * 1000)) ms, CPU \(String(format: "%.1f", drill.cpu * 1000)) ms")
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("ReadBench: \(error)\n".utf8))
    exit(1)
}
