// Shared-room benchmarks (release):
//   scripts/bench-room             (builds warroom in release, starts a scratch PostgreSQL with its default, durable settings)
//   swift run -c release --package-path Benchmarks RoomBench URL WARROOM [ENTRIES] [SAMPLES]
// 1. Entry-to-other-shell latency: a `warroom join` runs on a pseudo-terminal, as a person's
//    shell does (libedit, LISTEN, the line editor waiting on the keyboard and the store's
//    socket); another writer records a note SAMPLES times, at random moments 20–220 ms
//    apart, and the time from its commit to the note on the shell's screen is measured.
// 2. `join` of an ENTRIES-entry incident: the whole `warroom join ID --store URL` process,
//    piped with nothing to do (connect, fetch and fold every entry, record the join and the
//    leave, exit), five runs, after VACUUM ANALYZE and CHECKPOINT (the rows were written long
//    before, as in an incident that ran for hours).
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

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("RoomBench: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count > 2 else { fail("usage: RoomBench URL WARROOM [ENTRIES] [SAMPLES]") }
let url = ConnectionString(arguments[1])
let warroom = arguments[2]
let entryCount = arguments.count > 3 ? Int(arguments[3]) ?? 100_000 : 100_000
let sampleCount = arguments.count > 4 ? Int(arguments[4]) ?? 300 : 300
let runID = "\(getpid())-\(Int(monotonic()))"
let start = Instant(milliseconds: 1_699_155_000_000)

/// A free-form incident as `warroom start --free-form --clock virtual --speed 0` opens it.
func openIncident(_ suffix: String) throws -> PostgresTranscriptStore {
    let id = "bench-room-\(runID)-\(suffix)"
    let opening = TranscriptEntry(seq: 0, at: start, wall: start, by: "bench", kind: .open, text: "Opened SEV-3 incident: Benchmark",
                                  data: ["incident": .string(id), "title": "Benchmark", "severity": "SEV-3", "responder": "bench",
                                         "playbook": .null, "scenario": .null,
                                         "clock": ["mode": "virtual", "speed": 0, "start": .string(start.iso8601)],
                                         "target": "none", "program": ["name": "warroom", "version": .string(Session.programVersion)],
                                         "hash": "sha256-chain-v1"])
    return try PostgresTranscriptStore.create(url: url, opening: opening).0
}

func note(_ text: String, by: String) -> TranscriptEntry {
    TranscriptEntry(seq: 0, at: start, wall: start, by: by, kind: .note, text: text)
}

_ = try PostgresSchema.initialize(url: url)
let probe = try PostgresConnection(url: url)
let settings = try probe.execute("SELECT current_setting('synchronous_commit'), current_setting('fsync'), version()")
print("server: \(settings.string(0, 2) ?? "?")")
print("synchronous_commit=\(settings.string(0, 0) ?? "?"), fsync=\(settings.string(0, 1) ?? "?"), target \(probe.target)")
probe.close()

// MARK: - A shell on a pseudo-terminal

/// `warroom ARGUMENTS` with a pseudo-terminal as its stdin, stdout and stderr.
final class TerminalProcess {
    let pid: pid_t
    let master: Int32
    private(set) var screen: [UInt8] = []

    init(_ arguments: [String], environment: [String: String]) {
        // posix_openpt, grantpt, unlockpt and ptsname are not imported into Swift on Linux; their ioctls are
        // what glibc runs (open /dev/ptmx, TIOCSPTLCK to unlock, TIOCGPTN for the number under /dev/pts).
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, UInt(0x4004_5431), &unlock) == 0, ioctl(master, UInt(0x8004_5430), &number) == 0 else {
            fail("no pseudo-terminal")
        }
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard slave >= 0 else { fail("cannot open /dev/pts/\(number)") }
        var size = winsize(ws_row: 40, ws_col: 160, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(slave, UInt(TIOCSWINSZ), &size)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        for target in 0..<3 { posix_spawn_file_actions_adddup2(&actions, slave, Int32(target)) }
        posix_spawn_file_actions_addclose(&actions, master)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        // POSIX_SPAWN_SETSID (glibc's 0x80, not imported): the shell leads its own session, so
        // the pseudo-terminal becomes its controlling terminal.
        posix_spawnattr_setflags(&attributes, Int16(0x80))
        let argv: [UnsafeMutablePointer<CChar>?] = ([warroom] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        var child: pid_t = 0
        guard posix_spawn(&child, warroom, &actions, &attributes, argv, envp) == 0 else { fail("cannot run \(warroom)") }
        close(slave)
        pid = child
    }

    /// Reads what the shell prints until `marker` has appeared (after `from`), or `seconds` pass.
    /// - Returns: the time it appeared (monotonic), nil on timeout.
    func wait(for marker: String, seconds: Double) -> Double? {
        let needle = Array(marker.utf8)
        let deadline = monotonic() + seconds
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let range = screen.firstRange(of: needle) {
                screen.removeSubrange(..<range.upperBound)
                return monotonic()
            }
            let left = deadline - monotonic()
            if left <= 0 { return nil }
            var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(left * 1000) + 1) > 0 else { continue }
            let count = read(master, &buffer, buffer.count)
            if count <= 0 { return nil }
            screen.append(contentsOf: buffer[0..<count])
        }
    }

    func type(_ text: String) {
        _ = text.withCString { write(master, $0, strlen($0)) }
    }

    func end() {
        type("\u{04}")
        var status: Int32 = 0
        for _ in 0..<200 where waitpid(pid, &status, WNOHANG) == 0 { usleep(10_000) }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
}

// MARK: - 1. Entry-to-other-shell latency

let room = try openIncident("latency")
var environment = ProcessInfo.processInfo.environment
environment["NO_COLOR"] = "1"
environment["WARROOM_HISTORY"] = "/tmp/roombench-history-\(runID)"
environment["WARROOM_USER"] = "watcher"
environment["TERM"] = "xterm"
let folder = "/tmp/roombench-\(runID)"
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let shell = TerminalProcess(["join", room.incident, "--store", arguments[1], "--transcripts", folder], environment: environment)
guard shell.wait(for: " > ", seconds: 30) != nil else { fail("the shell showed no prompt") }
var latencies: [Double] = []
var generator = SystemRandomNumberGenerator()
for index in 0..<sampleCount {
    usleep(useconds_t(20_000 + Int.random(in: 0..<200_000, using: &generator)))
    let marker = String(format: "bench-%06d", index)
    let head = try room.head()
    try room.append([note(marker, by: "writer")], after: head)
    let committed = monotonic()
    guard let shown = shell.wait(for: "writer: \(marker)", seconds: 5) else { fail("\(marker) never appeared on the other shell's screen") }
    latencies.append((shown - committed) * 1000)
}
shell.end()
print(String(format: "entry to the other shell's screen, %d entries at random moments: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms",
             latencies.count, percentile(latencies, 0.5), percentile(latencies, 0.9), percentile(latencies, 0.99), latencies.max() ?? 0))

// MARK: - 2. join of a large incident

let large = try openIncident("large")
var head = try large.head()
let batch = 1000
var made = 1
while made < entryCount {
    let count = min(batch, entryCount - made)
    let drafts = (0..<count).map { note("note \(made + $0): msg-\(($0 % 30) + 1) p99 climbing, checking the pool weights and the health checks", by: "r\(($0 % 5) + 1)") }
    let written = try large.append(drafts, after: head)
    head = TranscriptHead(seq: written.last!.seq, hash: written.last!.hash)
    made += count
}
print("incident of \(head.seq) entries: \(try large.transcriptBytes().count) bytes")
// A 100,000-entry incident has run for hours: its rows were written long before someone joins.
// Let the server settle what writing them just left to do (autovacuum's analyze of a table
// that grew by 100,000 rows, the checkpoint), so the joins time a join, not the aftermath.
let maintenance = try PostgresConnection(url: url)
try maintenance.executeScript("VACUUM ANALYZE warroom.entries")
try maintenance.executeScript("CHECKPOINT")
maintenance.close()
var joins: [Double] = []
for _ in 0..<5 {
    let began = monotonic()
    var child: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let words: [String] = [warroom, "join", large.incident, "--store", arguments[1], "--transcripts", folder]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    guard posix_spawn(&child, warroom, &actions, nil, argv, envp) == 0 else { fail("cannot run \(warroom)") }
    var status: Int32 = 0
    waitpid(child, &status, 0)
    guard status == 0 else { fail("join exited with status \(status)") }
    joins.append(monotonic() - began)
}
print(String(format: "join of the %d-entry incident (whole process: connect, fetch and fold, join and leave entries), 5 runs: median %.3f s, min %.3f s, max %.3f s",
             head.seq, percentile(joins, 0.5), joins.min()!, joins.max()!))
try? FileManager.default.removeItem(atPath: folder)
