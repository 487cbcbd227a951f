#if canImport(Glibc)
import Glibc
#endif
import WarRoomKit

/// Any bytes as lines typed at the shell: the words and options are taken apart (`Arguments`),
/// the command looked up, and each line handled by a free-form incident on a virtual clock —
/// every command's parsing of numbers, times and ids — without a trap.
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

/// A fresh free-form incident per input, in a private folder.
final class Harness: @unchecked Sendable {
    // Unchecked: libFuzzer calls the target from one thread.
    static let shared = Harness()
    let folder: String

    init() {
        // A memory-backed folder where there is one: a transcript's fsyncs cost nothing there.
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        var template = Array("\(base)/warroom-fuzz-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        atexit { rmdir(Harness.shared.folder) }
    }

    func run(_ lines: [String]) {
        var options = StartOptions(responder: "fuzz", transcriptsFolder: folder)
        options.clockMode = .virtual
        options.speed = 0
        options.freeForm = true
        options.title = "Fuzz"
        let now = Instant(milliseconds: 1_700_000_000_000)
        guard let (session, _) = try? Session.start(options, source: .fixed(now)) else { return }
        session.syncsToDisk = false
        for line in lines where !line.hasPrefix("!") {
            if session.handle(line).exit { break }
        }
        session.pauseIfOpen(reason: "fuzz")
        for suffix in ["", ".lock", ".postmortem.md"] { unlink(session.path + suffix) }
        if session.path.hasSuffix(".jsonl") { unlink(String(session.path.dropLast(6)) + ".postmortem.md") }
    }
}
