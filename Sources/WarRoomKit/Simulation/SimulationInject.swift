/// A drill facilitator's ad hoc change to the simulated world (`inject traffic ×2 for 10m`,
/// `inject db latency 200ms for 15m`): what the team would meet in production and has to find
/// with its probes. It is recorded once, as a private entry, and every shell's simulation makes
/// it at the entry's time; `resume`, `replay` and the postmortem's re-run make it again from the
/// record (docs/DRILLS.md).
///
/// While it is in force it lies over what the scenario's own events set: traffic becomes a
/// multiple of what the scenario sends, a dependency figure takes the injected value. When it
/// ends the scenario's figures show through again. Of two injects of one figure in force, the
/// later one counts.
public struct SimulationInject: Sendable, Equatable {
    /// Legitimate traffic as a multiple of what the scenario sends.
    public var trafficFactor: Double?
    /// Dependency figures while in force.
    public var dependencies: DependencyChange?
    /// How long it holds, in milliseconds; `nil` for the rest of the drill.
    public var duration: Int64?

    public init(trafficFactor: Double? = nil, dependencies: DependencyChange? = nil, duration: Int64? = nil) {
        self.trafficFactor = trafficFactor
        self.dependencies = dependencies
        self.duration = duration
    }

    /// Whether the words after `inject` name a figure of the simulated world (`traffic ×2…`,
    /// `db latency…`), as opposed to words for the team (`inject traffic looks odd to support`).
    public static func claims(_ words: [String]) -> Bool {
        var words = words.map { $0.lowercased() }
        // `… for D` at the end belongs to the form; anything else after the value is words.
        if words.count >= 2, words[words.count - 2] == "for" { words.removeLast(2) }
        func isValue(_ word: String) -> Bool {
            guard let first = word.unicodeScalars.first else { return false }
            if "0123456789.-×*".unicodeScalars.contains(first) { return true }
            return first == "x" && word.unicodeScalars.dropFirst().first.map { "0123456789.".unicodeScalars.contains($0) } == true
        }
        switch words.first {
        case "traffic": return words.count == 2 && isValue(words[1])
        case "db", "database": return words.count == 3 && ["latency", "errors", "error"].contains(words[1]) && isValue(words[2])
        case "network": return words.count == 3 && ["rtt", "latency", "loss"].contains(words[1]) && isValue(words[2])
        default: return false
        }
    }

    /// The forms, for usage lines and the documentation.
    public static let usage = "inject traffic ×F | db latency Nms | db errors N% | network rtt Nms | network loss N% [for D]"

    /// Reads the words after `inject`: `traffic ×2 for 10m`, `db latency 200ms for 15m`,
    /// `db errors 5%`, `network rtt 40ms`, `network loss 2% for 5m`.
    /// - Throws: `CommandError.usage` saying what is wrong and what to type.
    public static func parse(_ words: [String]) throws -> SimulationInject {
        var words = words.map { $0.lowercased() }
        var inject = SimulationInject()
        if let at = words.firstIndex(of: "for") {
            guard at + 2 == words.count else { throw CommandError.usage(usage, "'for' takes one duration and ends the line, e.g. for 10m") }
            let text = words[at + 1]
            guard let milliseconds = DurationText.milliseconds(text), milliseconds >= 1000, milliseconds <= Double(SimulatedTarget.longestDrill) else {
                throw CommandError.usage(usage, "'\(SafeText.printable(text))' is not a duration from 1s to \(SimulatedTarget.spanText(SimulatedTarget.longestDrill)), e.g. 10m or 1h30m")
            }
            inject.duration = Int64(milliseconds.rounded())
            words.removeSubrange(at...)
        }
        switch (words.first, words.count) {
        case ("traffic", 2):
            inject.trafficFactor = try factor(words[1])
        case ("db", 3), ("database", 3):
            var change = DependencyChange()
            switch words[1] {
            case "latency": change.databaseLatency = try milliseconds(words[2], what: "the database's latency", bound: Bounds.latency)
            case "errors", "error": change.databaseErrorRate = try percent(words[2], what: "the share of database calls that fail")
            default: throw CommandError.usage(usage, "the database's figures are latency and errors, not '\(SafeText.printable(words[1]))'")
            }
            inject.dependencies = change
        case ("network", 3):
            var change = DependencyChange()
            switch words[1] {
            case "rtt", "latency": change.networkRTT = try milliseconds(words[2], what: "the network's round trip", bound: Bounds.roundTrip)
            case "loss": change.networkLoss = try percent(words[2], what: "the share of connections lost")
            default: throw CommandError.usage(usage, "the network's figures are rtt and loss, not '\(SafeText.printable(words[1]))'")
            }
            inject.dependencies = change
        default:
            throw CommandError.usage(usage, "say one figure and its value, e.g. inject traffic ×2 for 10m, or inject db latency 200ms for 15m")
        }
        return inject
    }

    /// `×2`, `x2`, `*2`, `2x`, `2×`, or `2`: a multiple in `Bounds.factor`.
    static func factor(_ text: String) throws -> Double {
        var digits = Substring(text)
        for mark in ["×", "x", "*"] {
            if digits.hasPrefix(mark) { digits = digits.dropFirst(mark.count) } else if digits.hasSuffix(mark) { digits = digits.dropLast(mark.count) }
        }
        guard let value = Bounds.decimal(digits), Bounds.factor.contains(value) else {
            throw CommandError.usage(usage, "'\(SafeText.printable(text))' is not a multiple of the traffic, \(Bounds.factor.range): e.g. ×2, or ×0.5 for half")
        }
        return value
    }

    static func milliseconds(_ text: String, what: String, bound: Bound) throws -> Double {
        guard let value = DurationText.milliseconds(text), bound.contains(value) else {
            throw CommandError.usage(usage, "'\(SafeText.printable(text))' is not \(what) in milliseconds or seconds, \(bound.range): e.g. 200ms")
        }
        return value
    }

    static func percent(_ text: String, what: String) throws -> Double {
        guard text.hasSuffix("%"), let value = Bounds.decimal(text.dropLast()), (0...100).contains(value) else {
            throw CommandError.usage(usage, "'\(SafeText.printable(text))' is not \(what) as a percentage 0%…100%: e.g. 5%")
        }
        return value / 100
    }

    /// The probe that reads the figure it changes: `traffic`, `db` or `network`.
    public var probe: String {
        if trafficFactor != nil { return "traffic" }
        return dependencies?.databaseLatency != nil || dependencies?.databaseErrorRate != nil ? "db" : "network"
    }

    /// What it does, in words: `traffic ×2 for 10 min`.
    public var summary: String {
        var parts: [String] = []
        if let trafficFactor { parts.append("traffic ×\(MetricText.decimal(trafficFactor, places: 3))") }
        if let change = dependencies {
            if let value = change.databaseLatency { parts.append("database latency \(MetricText.decimal(value, places: 3)) ms") }
            if let value = change.databaseErrorRate { parts.append("database errors \(MetricText.decimal(value * 100, places: 3))%") }
            if let value = change.networkRTT { parts.append("network round trip \(MetricText.decimal(value, places: 3)) ms") }
            if let value = change.networkLoss { parts.append("network loss \(MetricText.decimal(value * 100, places: 3))%") }
        }
        let how = duration.map { " for \(DurationText.format(milliseconds: $0))" } ?? " for the rest of the drill"
        return parts.joined(separator: ", ") + how
    }

    // MARK: - On the record

    /// The entry data's `simulate` object.
    public var recorded: JSONValue {
        var object: JSONObject = [:]
        if let trafficFactor { object["traffic_factor"] = .number(trafficFactor) }
        if let change = dependencies {
            if let value = change.databaseLatency { object["database_latency_ms"] = .number(value) }
            if let value = change.databaseErrorRate { object["database_error_rate"] = .number(value) }
            if let value = change.networkRTT { object["network_rtt_ms"] = .number(value) }
            if let value = change.networkLoss { object["network_loss"] = .number(value) }
        }
        if let duration { object["duration_ms"] = .number(Double(duration)) }
        return .object(object)
    }

    /// Reads a recorded `simulate` object; `nil` when it is not one or a figure is out of range
    /// (a forged entry changes nothing).
    public init?(recorded value: JSONValue?) {
        guard let object = value?.objectValue else { return nil }
        func figure(_ key: String, _ range: ClosedRange<Double>) -> Double?? {
            guard let value = object[key] else { return .some(nil) }
            guard let number = value.doubleValue, range.contains(number) else { return nil }
            return .some(number)
        }
        guard let factor = figure("traffic_factor", Bounds.factor.low...Bounds.factor.high), factor.map({ $0 > 0 }) ?? true,
              let latency = figure("database_latency_ms", Bounds.latency.low...Bounds.latency.high),
              let errors = figure("database_error_rate", 0...1), let rtt = figure("network_rtt_ms", Bounds.roundTrip.low...Bounds.roundTrip.high),
              let loss = figure("network_loss", 0...1), let duration = figure("duration_ms", 1000...Double(SimulatedTarget.longestDrill))
        else { return nil }
        let change = DependencyChange(databaseLatency: latency, databaseErrorRate: errors, networkRTT: rtt, networkLoss: loss)
        let changes = change != DependencyChange()
        guard factor != nil || changes else { return nil }
        self.init(trafficFactor: factor, dependencies: changes ? change : nil, duration: duration.map { Int64($0) })
    }

    /// The inject an entry recorded: a facilitator's private `inject` entry with `simulate` data.
    public init?(entry: TranscriptEntry) {
        guard entry.kind == .facilitatorOnly, entry.data["private"]?.stringValue == "inject" else { return nil }
        self.init(recorded: entry.data["simulate"])
    }
}

extension SimulationModel {
    /// Makes an inject recorded at `at` (by default, now: the end of the last tick run). It
    /// holds from the next tick until `at`'s second plus its duration: a model that has already
    /// run past `at` (a shell that read the entry late) starts it late but ends it when the record
    /// says, and one already over is not made.
    public mutating func apply(_ inject: SimulationInject, at: Instant? = nil) {
        let current = ticks * SimulationModel.tickMilliseconds
        let recorded = at.map { max(0, min(current, ($0 - scenario.start) / SimulationModel.tickMilliseconds * SimulationModel.tickMilliseconds)) } ?? current
        let end = inject.duration.map { recorded + $0 }
        if let end, end <= current { return }
        injects.append((inject, end))
        layInjects()
    }

    /// When an inject recorded at `at` ends, as the model ends it (`at`'s second plus the
    /// duration); nil for one that holds with the drill.
    public func end(of inject: SimulationInject, at: Instant) -> Instant? {
        let second = max(0, (at - scenario.start) / SimulationModel.tickMilliseconds * SimulationModel.tickMilliseconds)
        return inject.duration.map { scenario.start + second + $0 }
    }

    /// The injects in force, with when each ends (`nil`: with the drill).
    public var injectsInForce: [(inject: SimulationInject, endsAt: Instant?)] {
        injects.map { ($0.inject, $0.endsAt.map { scenario.start + $0 }) }
    }

    /// Lays the injects in force over what the scenario set: the dependency figures, and the
    /// traffic multiple.
    mutating func layInjects() {
        var figures = scenarioDependencies
        var factor: Double?
        for (inject, _) in injects {
            if let change = inject.dependencies { figures = change.applied(to: figures) }
            if let multiple = inject.trafficFactor { factor = multiple }
        }
        injectedTrafficFactor = factor
        if figures != dependencies {
            dependencies = figures
            refreshDependencyFigures()
        }
    }
}
