#if canImport(Glibc)
import Glibc
#endif
import WarRoomKit

/// Any bytes as a transcript: the line decoder, the hash-chain check, the state fold and the
/// timeline never trap; and an entry that decodes encodes to a line that decodes to it again
/// (what warroom writes, it reads back); and the line decoder agrees with the reference decoder it
/// replaced (`TranscriptEntry.referenceDecode`): the same entry, or the same error; and the
/// streaming reader, a few bytes at a time, finds what reading the whole bytes finds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTranscript(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = TranscriptVerifier.verify(bytes: bytes)
    var number = 0
    for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
        number += 1
        let decoded = Result { try TranscriptEntry.decode(line: line, number: number) }
        let reference = Result { try TranscriptEntry.referenceDecode(line: line, number: number) }
        switch (decoded, reference) {
        case (.success(let a), .success(let b)) where a == b: break
        case (.failure(let a), .failure(let b)) where "\(a)" == "\(b)": break
        default: fatalError("line \(number): the decoder gives \(decoded), the reference \(reference)")
        }
        // Skipping a line's words checks them as reading them does.
        let skipping = Result { try TranscriptEntry.decode(line: line, number: number, skipsText: { _ in true }) }
        switch (skipping, reference) {
        case (.success(let a), .success(var b)):
            // Only the words named after the kind are skipped, each on its own (a damaged line
            // may name `input` before its kind and `text` after it); every other field is the same.
            if a.text.isEmpty { b.text = "" }
            if a.input == nil { b.input = nil }
            guard a == b else { fatalError("line \(number): skipping the words gives \(a), the reference \(b)") }
        case (.failure(let a), .failure(let b)) where "\(a)" == "\(b)": break
        default: fatalError("line \(number): skipping the words gives \(skipping), the reference \(reference)")
        }
        guard let entry = try? decoded.get() else { continue }
        guard let again = try? TranscriptEntry.decode(line: entry.lineBytes(), number: number), again == entry else {
            fatalError("line \(number) decodes, but what it encodes to does not decode to the same entry")
        }
    }
    checkStream(bytes)
    if let log = try? TranscriptLog.decode(bytes: bytes, path: "fuzz.jsonl", lenient: true) {
        let state = IncidentState(entries: log.entries)
        _ = TimelineView.render(entries: log.entries, state: state, last: 20)
        _ = IncidentCatalog.render([])
    }
    return 0
}

/// The file the streaming reader reads, rewritten for each input.
private let streamPath = "/tmp/warroom-fuzz-stream-\(getpid()).jsonl"

/// The bytes as a file read by `TranscriptStream` in chunks of a few bytes: the same entries,
/// bad lines, torn line and chain report as the whole bytes give.
func checkStream(_ bytes: [UInt8]) {
    let fd = open(streamPath, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return }
    defer { close(fd) }
    guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count, lseek(fd, 0, SEEK_SET) == 0 else { return }
    var entries: [TranscriptEntry] = []
    guard let read = try? TranscriptStream.read(fd: fd, path: streamPath, verify: true, lenient: true, chunkSize: 7, fold: { entries.append($0) }) else {
        fatalError("the streaming reader failed on bytes it could read")
    }
    guard read.verification == TranscriptVerifier.verify(bytes: bytes), read.byteCount == bytes.count else {
        fatalError("the streaming reader's chain report differs from the whole bytes'")
    }
    if let whole = try? TranscriptLog.decode(bytes: bytes, path: streamPath, lenient: true) {
        guard entries == whole.entries, read.torn == whole.torn, read.badLines.map(\.description) == whole.badLines.map(\.description) else {
            fatalError("the streaming reader's entries differ from the whole bytes'")
        }
    }
}
