import WarRoomKit

/// Any bytes as a transcript: the line decoder, the hash-chain check, the state fold and the
/// timeline never trap; and an entry that decodes encodes to a line that decodes to it again
/// (what warroom writes, it reads back); and the line decoder agrees with the reference decoder it
/// replaced (`TranscriptEntry.referenceDecode`): the same entry, or the same error.
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
        guard let entry = try? decoded.get() else { continue }
        guard let again = try? TranscriptEntry.decode(line: entry.lineBytes(), number: number), again == entry else {
            fatalError("line \(number) decodes, but what it encodes to does not decode to the same entry")
        }
    }
    if let log = try? TranscriptLog.decode(bytes: bytes, path: "fuzz.jsonl", lenient: true) {
        let state = IncidentState(entries: log.entries)
        _ = TimelineView.render(entries: log.entries, state: state, last: 20)
        _ = IncidentCatalog.render([])
    }
    return 0
}
