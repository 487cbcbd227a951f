#if canImport(Glibc)
import Glibc
#endif
import WarRoomKit

/// Any bytes as lines typed at the shell: the words and options are taken apart (`Arguments`),
/// the command looked up, and each line handled by a free-form incident on a virtual clock and
/// by a drill on a small scenario (probes and `lb` too) — every command's parsing of numbers,
/// times and ids — without a trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommandLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(20).map(String.init)
    for line in lines {
        let split = line.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? line.endIndex
        _ = CommandTable.standard.lookup(line[..<split].lowercased())
        var arguments = Arguments(String(line[split...]))
        _ = arguments.words
        _ = arguments.rest
        _ = try? arguments.option("--at", usage: "fuzz")
        _ = try? arguments.option("--owner", usage: "fuzz")
        _ = arguments.first()
        _ = arguments.rest
        try? arguments.expectEnd(usage: "fuzz")
    }
    Harness.shared.run(lines)
    return 0
}

/// Fresh incidents per input, in a private folder.
final class Harness: @unchecked Sendable {
    // Unchecked: libFuzzer calls the target from one thread.
    static let shared = Harness()
    let folder: String
    let scenario: String

    /// Two backends, sticky users, a rate limit and an event: enough for every probe and `lb` command.
    static let scenarioText = """
        scenario: fuzz
        title: Fuzz
        start: 2023-11-05T03:30:00Z
        traffic: { rate: 100, sticky: user, sources: 20 }
        loadbalancer: { algorithm: weighted-round-robin, retries: 2, ratelimit: 500 }
        backends:
          - { name: a, capacity: 60, latency: 10ms }
          - { name: b, capacity: 60, latency: 12ms, weight: 50 }
        events:
          - { at: +1m, set: { weights: { a: 10 } } }
        """

    init() {
        // A memory-backed folder where there is one: a transcript's fsyncs cost nothing there.
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        var template = Array("\(base)/warroom-fuzz-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        scenario = "\(folder)/fuzz.yaml"
        try? PrivateFile.write(Harness.scenarioText, to: scenario)
        atexit {
            unlink(Harness.shared.scenario)
            rmdir(Harness.shared.folder)
        }
    }

    func run(_ lines: [String]) {
        for drill in [false, true] {
            var options = StartOptions(responder: "fuzz", transcriptsFolder: folder)
            options.clockMode = .virtual
            options.speed = 0
            options.freeForm = true
            options.title = "Fuzz"
            if drill { options.scenario = scenario }
            let now = Instant(milliseconds: 1_700_000_000_000)
            guard let (session, _) = try? Session.start(options, source: .fixed(now)) else { continue }
            session.syncsToDisk = false
            for line in lines where !line.hasPrefix("!") && !Harness.isLongAdvance(line) {
                if session.handle(line).exit { break }
            }
            session.pauseIfOpen(reason: "fuzz")
            unlink(session.path)
            unlink(TranscriptWriter.notePath(for: session.path))
            unlink(session.postmortemPath)
        }
    }

    /// `advance` past ten minutes: a drill simulates every second of it, so an input stays fast
    /// only without them (the simulation's long runs have tests of their own).
    static func isLongAdvance(_ line: String) -> Bool {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.first?.lowercased() == "advance" else { return false }
        return words.dropFirst().contains { (DurationText.milliseconds(String($0)) ?? 0) > 600_000 }
    }
}
