/// The range of every number warroom reads — from the command line, a playbook, a scenario or a
/// transcript — stated once, here. Each is parsed with a checked conversion and refused with
/// its range when it falls outside, so no input can make warroom trap, overflow, or write a
/// value it cannot read back. docs/RELIABILITY.md lists the same table.
///
/// The ranges are chosen so that the arithmetic built on them stays exact: 31 days of a drill
/// at the highest rate, retried ten times, counts fewer than 10^15 requests (well inside both
/// `Int` and a `Double`'s exact integers), and every time warroom computes stays in 1970–9999.
public enum Bounds {
    // MARK: - Time

    /// The earliest time warroom reads or writes: 1970-01-01T00:00:00.000Z.
    public static let earliest = Instant(milliseconds: 0)
    /// The latest: 9999-12-31T23:59:59.999Z. Times have four-digit years, so every time warroom
    /// writes, it reads back.
    public static let latest = Instant(milliseconds: 253_402_300_799_999)
    /// Years a time may have.
    public static let years = 1970...9999

    /// One day in milliseconds.
    public static let day: Int64 = 86_400_000

    /// The longest duration any field takes (366 days); a field may allow less.
    public static let duration = Bound("a duration", 0, 366 * Double(day), unit: .duration)
    /// `advance DURATION`.
    public static let advance = Bound("advance", 0, 7 * Double(day), unit: .duration, excludingLow: true)
    /// How long a `!` command may run (`--shell-timeout`).
    public static let shellTimeout = Bound("--shell-timeout", 0, Double(day), unit: .duration, excludingLow: true)
    /// How long a probe waits for Prometheus (`--metrics-timeout`), in ms.
    public static let metricsTimeout = Bound("--metrics-timeout", 100, 60_000, unit: .duration)
    /// How many bytes of a `!` command's output are kept (`--shell-output-cap`).
    public static let shellOutputCap = Bound("--shell-output-cap", 1, 64 * 1_048_576, unit: .bytes)
    /// The virtual clock's speed, simulated seconds per real second (`--speed`; also read from a transcript).
    public static let speed = Bound("--speed", 0, 1_000_000, unit: .plain)
    /// How long `simulate` runs (`--duration`): at most a drill's length.
    public static let simulateDuration = Bound("--duration", 0, Double(SimulatedTarget.longestDrill), unit: .duration, excludingLow: true)
    /// `simulate --every`.
    public static let simulateEvery = Bound("--every", 1000, Double(SimulatedTarget.longestDrill), unit: .duration)
    /// Playbook timers: `timebox`, `status_updates`, an escalation's `after`.
    public static let playbookTimer = Bound("a playbook timer", 0, 31 * Double(day), unit: .duration)
    /// `timeline --last N`, `show SEQ` and other counts typed in the shell.
    public static let count = Bound("a count", 1, 1_000_000_000, unit: .plain)

    // MARK: - Scenarios

    /// Request rates: `traffic.rate`, profile points, an event's `rate`, an attack's `rate`,
    /// a rate limit (also `lb ratelimit N`).
    public static let rate = Bound("a request rate", 0, 10_000_000, unit: .perSecond, excludingLow: true)
    /// An event's traffic `factor` (× the baseline).
    public static let factor = Bound("'factor'", 0, 100, unit: .plain, excludingLow: true)
    /// A backend's `capacity`.
    public static let capacity = Bound("'capacity'", 0.001, 10_000_000, unit: .perSecond)
    /// Latencies and timeouts: a backend's `latency`, the database's `latency`, the load
    /// balancer's `timeout`, a health check's `interval` and `timeout`.
    public static let latency = Bound("a latency or timeout", 0.001, 3_600_000, unit: .duration)
    /// The network's `rtt` (0 allowed).
    public static let roundTrip = Bound("'rtt'", 0, 3_600_000, unit: .duration)
    /// When an event or profile point happens, after the scenario's start: within a drill.
    public static let offset = Bound("a time after the start", 0, Double(SimulatedTarget.longestDrill), unit: .duration)
    /// `users`, the user base.
    public static let users = Bound("'users'", 1, 10_000_000_000, unit: .plain)
    /// Distinct client networks (`sources`, an attack's `sources`).
    public static let sources = Bound("'sources'", 1, 1_000_000, unit: .plain)
    /// A backend's weight (HAProxy's range), also `lb weight B N`.
    public static let weight = Bound("a weight", 0, 256, unit: .plain)
    /// Retries after the first attempt (each adds a generation of load).
    public static let retries = Bound("'retries'", 0, 10, unit: .plain)
    /// A health check's `rise` and `fall`.
    public static let checkCount = Bound("'rise' and 'fall'", 1, 100, unit: .plain)
    /// How long an alert rule's condition must hold before it fires (`for`).
    public static let alertFor = Bound("'for'", 0, Double(day), unit: .duration)
    /// Fractions: error rates, loss.
    public static let fraction = Bound("a fraction", 0, 1, unit: .plain)
    /// Where a scenario may start: early enough that a whole drill ends by the year 9999.
    public static let scenarioStarts: ClosedRange<Instant> = earliest...(latest - SimulatedTarget.longestDrill)

    // MARK: - Playbooks

    /// A playbook's `version`.
    public static let version = Bound("'version'", 1, 1_000_000, unit: .plain)
    /// A check's threshold (`above:`, `below:`): fractions, milliseconds and counts.
    public static let threshold = Bound("a threshold", -1e12, 1e12, unit: .plain)

    // MARK: - Files

    /// The most nodes a YAML file may expand to, counting each node an alias repeats: a
    /// billion-laughs file is refused at the alias that crosses it, in microseconds.
    public static let yamlNodes = 1_000_000
    /// The deepest a YAML file may nest (its reader recurses once per level).
    public static let yamlDepth = 256

    /// Every bound, for the documentation and its test.
    public static let all: [Bound] = [
        duration, advance, shellTimeout, shellOutputCap, speed, simulateDuration, simulateEvery, playbookTimer, count,
        rate, factor, capacity, latency, roundTrip, offset, users, sources, weight, retries, checkCount, fraction,
        version, threshold,
    ]

    // MARK: - Checked parsing

    /// A decimal number as people write it: `9000`, `-3`, `0.25`, `.5`, `1e6`, `1.5E-3`. No
    /// hexadecimal, `inf` or `nan` (Swift's `Double(_:)` takes them); any number of digits, and
    /// a value too large for a `Double` is `nil`, never infinity.
    /// - Returns: the finite value, or `nil` when the text is not a decimal number.
    public static func decimal(_ text: Substring) -> Double? {
        var sawDigit = false
        var i = text.utf8.startIndex
        let bytes = text.utf8
        func at(_ index: String.UTF8View.Index) -> UInt8? { index < bytes.endIndex ? bytes[index] : nil }
        if let sign = at(i), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { i = bytes.index(after: i) }
        while let b = at(i), b >= 48, b <= 57 {
            sawDigit = true
            i = bytes.index(after: i)
        }
        if at(i) == UInt8(ascii: ".") {
            i = bytes.index(after: i)
            while let b = at(i), b >= 48, b <= 57 {
                sawDigit = true
                i = bytes.index(after: i)
            }
        }
        guard sawDigit else { return nil }
        if let e = at(i), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            i = bytes.index(after: i)
            if let sign = at(i), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { i = bytes.index(after: i) }
            var exponentDigits = false
            while let b = at(i), b >= 48, b <= 57 {
                exponentDigits = true
                i = bytes.index(after: i)
            }
            guard exponentDigits else { return nil }
        }
        guard i == bytes.endIndex, let value = Double(String(text)), value.isFinite else { return nil }
        return value
    }

    /// `decimal` for a whole string.
    public static func decimal(_ text: String) -> Double? {
        decimal(Substring(text))
    }

    /// A whole number within `bound`, from text like `12` or `1_000` (underscores as YAML allows them when `underscores`).
    /// - Throws: `BoundsError` naming the range when the text is not a whole number in it.
    public static func integer(_ text: String, _ bound: Bound, underscores: Bool = false) throws(BoundsError) -> Int {
        let cleaned = underscores ? text.removingUnderscores() : text
        guard let value = decimal(cleaned), value.rounded() == value, !cleaned.contains("."), !cleaned.lowercased().contains("e") else {
            throw BoundsError(text: text, bound: bound, reason: .notAWholeNumber)
        }
        guard bound.contains(value) else { throw BoundsError(text: text, bound: bound, reason: .outOfRange) }
        return Int(value)
    }

    /// A number within `bound`.
    /// - Throws: `BoundsError` naming the range.
    public static func number(_ text: String, _ bound: Bound, underscores: Bool = false) throws(BoundsError) -> Double {
        guard let value = decimal(underscores ? text.removingUnderscores() : text) else {
            throw BoundsError(text: text, bound: bound, reason: .notANumber)
        }
        guard bound.contains(value) else { throw BoundsError(text: text, bound: bound, reason: .outOfRange) }
        return value
    }

    /// A duration (`90s`, `1h30m`, `0.8ms`) within `bound`, in milliseconds (fractions kept).
    /// - Throws: `BoundsError` naming the range.
    public static func duration(_ text: String, _ bound: Bound) throws(BoundsError) -> Double {
        guard let value = DurationText.milliseconds(text) else { throw BoundsError(text: text, bound: bound, reason: .notADuration) }
        guard bound.contains(value) else { throw BoundsError(text: text, bound: bound, reason: .outOfRange) }
        return value
    }

    /// A duration within `bound`, rounded to whole milliseconds.
    /// - Throws: `BoundsError` naming the range.
    public static func wholeDuration(_ text: String, _ bound: Bound) throws(BoundsError) -> Int64 {
        Int64(try duration(text, bound).rounded())
    }

    /// Whether an instant is one warroom can write and read back (years 1970–9999).
    public static func isRepresentable(_ instant: Instant) -> Bool {
        instant >= earliest && instant <= latest
    }

    /// `instant + milliseconds`, or `nil` when that leaves 1970–9999 (or would overflow).
    public static func adding(_ milliseconds: Int64, to instant: Instant) -> Instant? {
        let (sum, overflow) = instant.milliseconds.addingReportingOverflow(milliseconds)
        guard !overflow else { return nil }
        let result = Instant(milliseconds: sum)
        return isRepresentable(result) ? result : nil
    }

    /// A double converted to `Int`, saturating at the ends and 0 for NaN: for figures that
    /// are shown, never for ones that are stored.
    public static func saturatingInt(_ value: Double) -> Int {
        guard !value.isNaN else { return 0 }
        if value >= 9.2e18 { return Int.max }
        if value <= -9.2e18 { return Int.min }
        return Int(value)
    }
}

/// A range a number must fall in, with its name and unit for messages and the documentation.
public struct Bound: Sendable, CustomStringConvertible {
    /// How the range's ends are written.
    public enum Unit: Sendable {
        case plain
        /// Milliseconds, written as a duration (`1h`, `0.001ms`).
        case duration
        /// Requests per second.
        case perSecond
        case bytes
    }

    /// What the number is (`a request rate`, `--speed`).
    public let name: String
    public let low: Double
    public let high: Double
    public let unit: Unit
    /// The low end itself is not allowed (rates must be more than 0).
    public let excludingLow: Bool

    init(_ name: String, _ low: Double, _ high: Double, unit: Unit, excludingLow: Bool = false) {
        self.name = name
        self.low = low
        self.high = high
        self.unit = unit
        self.excludingLow = excludingLow
    }

    /// Whether `value` is finite and in range.
    public func contains(_ value: Double) -> Bool {
        value.isFinite && (excludingLow ? value > low : value >= low) && value <= high
    }

    /// `more than 0 and at most 10000000 req/s`, `0…256`, `at most 7d`.
    public var range: String {
        // Durations carry their unit at both ends (`0.001ms…1h`); rates and sizes once, at the end.
        let lowText = unit == .duration ? Bound.text(low, unit) : Bound.plain(low)
        let highText = Bound.text(high, unit)
        if excludingLow { return "more than \(lowText) and at most \(highText)" }
        return "\(lowText)…\(highText)"
    }

    public var description: String { "\(name): \(range)" }

    static func text(_ value: Double, _ unit: Unit) -> String {
        switch unit {
        case .duration:
            if value == 0 { return "0" }
            if value < 1 || value.rounded() != value { return "\(Bound.plain(value))ms" }
            let ms = Int64(value)
            if ms % Bounds.day == 0 { return "\(ms / Bounds.day)d" }
            if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
            if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
            if ms % 1000 == 0 { return "\(ms / 1000)s" }
            return "\(ms)ms"
        case .perSecond: return "\(Bound.plain(value)) req/s"
        case .bytes: return value >= 1_048_576 && value.truncatingRemainder(dividingBy: 1_048_576) == 0 ? "\(Int(value / 1_048_576)) MiB" : "\(Bound.plain(value)) bytes"
        case .plain: return Bound.plain(value)
        }
    }

    /// `10000000`, `0.001`, `1e+12` as Swift writes doubles, without a needless `.0`.
    static func plain(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// A number that is not one, or is outside its range.
public struct BoundsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case notANumber
        case notAWholeNumber
        case notADuration
        case outOfRange
    }

    /// The text as given.
    public var text: String
    public var boundName: String
    public var range: String
    public var reason: Reason

    init(text: String, bound: Bound, reason: Reason) {
        self.text = text
        boundName = bound.name
        range = bound.range
        self.reason = reason
    }

    /// `'1e300' is out of range: a request rate must be more than 0 and at most 10000000 req/s`.
    public var description: String {
        let shown = SafeText.printable(text.count > 40 ? String(text.prefix(40)) + "…" : text)
        switch reason {
        case .notANumber: return "'\(shown)' is not a number (\(boundName): \(range))"
        case .notAWholeNumber: return "'\(shown)' is not a whole number (\(boundName): \(range))"
        case .notADuration: return "'\(shown)' is not a duration (a number and a unit: 500ms, 90s, 5m, 2h; \(boundName): \(range))"
        case .outOfRange: return "'\(shown)' is out of range: \(boundName) must be \(range)"
        }
    }
}

extension String {
    func removingUnderscores() -> String {
        contains("_") ? String(filter { $0 != "_" }) : self
    }
}
