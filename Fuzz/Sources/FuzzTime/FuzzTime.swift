import WarRoomKit

/// Any bytes as a time or a duration: ISO-8601 instants, `HH:MM[:SS]Z`, `-15m`, durations and
/// decimal numbers parse or are refused, never trap; and a time that parses is in the years
/// 1970–9999 and reads back from what warroom writes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTime(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let now = Instant(milliseconds: 1_699_155_000_000)
    for instant in [Instant.parseISO8601(text), TimeExpression.resolve(text, now: now), TimeExpression.resolve(text, now: Bounds.earliest),
                    TimeExpression.resolve(text, now: Bounds.latest)].compactMap({ $0 }) {
        guard Bounds.isRepresentable(instant), Instant.parseISO8601(instant.iso8601) == instant else {
            fatalError("'\(text)' gave \(instant.milliseconds) ms, which does not read back")
        }
        _ = instant.clockSeconds
        _ = instant.date
    }
    if let ms = DurationText.milliseconds(text) {
        guard ms.isFinite, ms >= 0 else { fatalError("'\(text)' is a duration of \(ms) ms") }
    }
    if let whole = DurationText.wholeMilliseconds(text) {
        _ = DurationText.format(milliseconds: whole)
        _ = DurationText.elapsed(milliseconds: whole)
    }
    if let value = Bounds.decimal(text), !value.isFinite { fatalError("'\(text)' read as \(value)") }
    for bound in Bounds.all {
        _ = try? Bounds.number(text, bound, underscores: true)
        _ = try? Bounds.integer(text, bound)
        _ = try? Bounds.duration(text, bound)
    }
    return 0
}
