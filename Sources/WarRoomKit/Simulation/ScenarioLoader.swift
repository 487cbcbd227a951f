import Foundation
import Yams

/// Reads and checks scenario files (SPEC §4): every problem is a `Diagnostic` with the file,
/// line and column where it is, and a "did you mean" where a name is close to a known one.
public enum ScenarioLoader {
    static let topFields = ["scenario", "title", "description", "start", "seed", "users", "traffic", "loadbalancer", "backends",
                            "dependencies", "events", "alerts", "drill"]
    static let alertFields = ["name", "metric", "above", "below", "for", "summary"]
    static let trafficFields = ["rate", "sticky", "sources", "profile"]
    static let balancerFields = ["algorithm", "timeout", "retries", "health_check", "ratelimit"]
    static let checkFields = ["interval", "timeout", "rise", "fall"]
    static let backendFields = ["name", "capacity", "latency", "weight", "state", "error_rate"]
    static let dependencyFields = ["database", "network"]
    static let databaseFields = ["latency", "error_rate"]
    static let networkFields = ["rtt", "loss"]
    static let eventFields = ["at", "by", "note", "set", "traffic", "dependencies"]
    static let setFields = ["weights", "state", "algorithm", "ratelimit"]
    static let trafficChangeFields = ["rate", "factor", "attack"]
    static let attackFields = ["rate", "sources"]
    static let stateNames = ServerAdminState.allCases.map(\.rawValue)
    /// HAProxy's weight range (`Bounds.weight`).
    public static let weightRange = Int(Bounds.weight.low)...Int(Bounds.weight.high)
    /// The most retries a scenario may ask for (each adds a generation of load; `Bounds.retries`).
    public static let maxRetries = Int(Bounds.retries.high)

    /// Checks a scenario file.
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - file: the name to report problems under.
    /// - Returns: every problem found (errors and warnings), in file order.
    public static func lint(bytes: [UInt8], file: String) -> [Diagnostic] {
        parse(bytes: bytes, file: file).diagnostics
    }

    /// Parses a scenario file.
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - file: the name to report problems under (and the scenario's `path`).
    /// - Returns: the scenario when there was no error (warnings are in `scenario.warnings` too), and every diagnostic.
    public static func parse(bytes: [UInt8], file: String) -> (scenario: Scenario?, diagnostics: [Diagnostic]) {
        var source = YAMLSource(bytes: bytes, file: file, kind: "scenario")
        guard let root = source.root else { return (nil, source.diagnostics) }
        var reader = Reader(source: source)
        let scenario = reader.scenario(root, sha256: HashChain.sha256(bytes))
        source = reader.source
        let diagnostics = source.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        guard var scenario, !diagnostics.contains(where: { $0.severity == .error }) else { return (nil, diagnostics) }
        scenario.warnings = diagnostics
        return (scenario, diagnostics)
    }

    /// Reads a scenario file.
    /// - Parameter path: the file's path.
    /// - Returns: the scenario, with any warnings in `warnings`.
    /// - Throws: `InputFileError` with every error found, or `ScenarioFileError.unreadable`.
    public static func load(path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioFileError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file")
        }
        let (scenario, diagnostics) = parse(bytes: [UInt8](data), file: path)
        guard let scenario else { throw InputFileError(diagnostics.filter { $0.severity == .error }) }
        return scenario
    }

    /// Parses `+10m` (after the start) or an ISO-8601 instant into milliseconds after `start`.
    static func offset(_ text: String, start: Instant?) -> Int64? {
        if text.hasPrefix("+") { return DurationText.wholeMilliseconds(String(text.dropFirst())) }
        if text == "0" { return 0 }
        if let start, let instant = Instant.parseISO8601(text) { return instant - start }
        return nil
    }
}

/// A scenario file that cannot be read at all.
public enum ScenarioFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is missing or unreadable.
    case unreadable(path: String, reason: String)
    /// No scenario with that id in the catalogue's folder, and no file at that path.
    case notFound(idOrPath: String, folder: String, known: [String])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read the scenario (\(reason)); check the path"
        case .notFound(let idOrPath, let folder, let known):
            return "no scenario '\(idOrPath)' in \(folder)\(Suggest.hint(for: idOrPath, in: known)); known: \(known.joined(separator: ", ")) (or give a file path)"
        }
    }
}

/// Walks the composed YAML and builds the scenario, collecting diagnostics on the way.
private struct Reader {
    var source: YAMLSource

    mutating func scenario(_ root: Node, sha256: String) -> Scenario? {
        let fields = source.fields(of: root, in: "the scenario", known: ScenarioLoader.topFields,
                                   required: ["scenario", "title", "start", "traffic", "loadbalancer", "backends"])
        guard case .mapping = root else { return nil }
        var id = ""
        if let node = fields["scenario"]?.value, let text = source.string(node, field: "scenario") {
            id = text
            if text.isEmpty || !text.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) {
                source.error("'scenario' must be an id of lowercase letters, digits and '-' (like lb-misconfig-2023-11-05), not '\(text)'", at: node)
            }
        }
        var title = ""
        if let node = fields["title"]?.value, let text = source.string(node, field: "title") {
            title = text
            if text.trimmingCharacters(in: .whitespaces).isEmpty { source.error("'title' is empty; say in one line what the drill is about", at: node) }
        }
        let description = fields["description"].flatMap { source.string($0.value, field: "description") }
        var start: Instant?
        if let node = fields["start"]?.value, let text = source.string(node, field: "start") {
            start = Instant.parseISO8601(text)
            if start == nil {
                source.error("'start' is not an ISO-8601 UTC time in the years 1970–9999: '\(text)' (like 2023-11-05T03:30:00Z)", at: node)
            } else if let instant = start, !Bounds.scenarioStarts.contains(instant) {
                source.error("'start' must be \(Bounds.scenarioStarts.lowerBound.iso8601Seconds)…\(Bounds.scenarioStarts.upperBound.iso8601Seconds), so that a drill's \(SimulatedTarget.spanText(SimulatedTarget.longestDrill)) end before the year 10000, not \(text)", at: node)
                start = nil
            }
        }
        var seed: UInt64 = 1
        if let node = fields["seed"]?.value, let text = source.string(node, field: "seed") {
            if let value = UInt64(text.replacingOccurrences(of: "_", with: "")) { seed = value } else {
                source.error("'seed' must be a whole number ≥ 0, not '\(text)'", at: node)
            }
        }
        var users = 1_000_000
        if let node = fields["users"]?.value, let value = integer(node, field: "users", in: Bounds.users, what: "(the user base, for impact in percent)") {
            users = value
        }
        let traffic = fields["traffic"].map { self.traffic($0.value, start: start) } ?? TrafficSpec(rate: 0)
        let balancer = fields["loadbalancer"].map { loadBalancer($0.value) } ?? LoadBalancerSpec(algorithm: .roundRobin)
        let (backends, backendNodes) = fields["backends"].map { self.backends($0.value) } ?? ([], [])
        let dependencies = fields["dependencies"].map { self.dependencies($0.value) } ?? DependencyFigures()
        let names = backends.map(\.name)
        let events = fields["events"].map { self.events($0.value, start: start, backends: names) } ?? []
        let alerts = fields["alerts"].map { self.alerts($0.value) } ?? []

        // A pool that cannot carry its starting traffic is allowed (a drill may start mid-incident), but said.
        if let trafficNode = fields["traffic"]?.value, traffic.rate > 0, !backends.isEmpty {
            let usable = backends.filter { $0.state == .ready && $0.weight > 0 }.reduce(0) { $0 + $1.capacity }
            if usable < traffic.rate {
                source.warning("the pool cannot serve its starting traffic: \(format(traffic.rate)) req/s against \(format(usable)) req/s of capacity in rotation; the drill starts overloaded", at: trafficNode)
            }
        }
        _ = backendNodes
        let drill = fields["drill"].map { DrillPlanReader.read($0.value, start: start, events: events, source: &source) }
        guard let start else { return nil }
        var scenario = Scenario(id: id, title: title, description: description, start: start, seed: seed, users: users, traffic: traffic,
                                loadBalancer: balancer, backends: backends, dependencies: dependencies, events: events, alerts: alerts,
                                path: source.file, sha256: sha256)
        scenario.drill = drill
        return scenario
    }

    /// `alerts:` — monitoring's rules, each `{name, metric, above|below, for, summary}`.
    mutating func alerts(_ node: Node) -> [AlertRule] {
        var rules: [AlertRule] = []
        var seen: Set<String> = []
        for item in source.items(node, field: "alerts") {
            let fields = source.fields(of: item, in: "an alert", known: ScenarioLoader.alertFields, required: ["name", "metric"])
            guard case .mapping = item else { continue }
            var name = ""
            if let node = fields["name"]?.value, let text = source.string(node, field: "name") {
                name = text
                if text.isEmpty || !text.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) {
                    source.error("an alert's 'name' is letters, digits and '_' (like MessagingErrorRate), not '\(text)'", at: node)
                } else if !seen.insert(text).inserted {
                    source.error("two alerts are named '\(text)'; give each its own name", at: node)
                }
            }
            var probe = ""
            var metric = ""
            if let node = fields["metric"]?.value, let text = source.string(node, field: "metric") {
                let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
                let known = PlaybookVocabulary.metrics.flatMap { kind, names in names.map { "\(kind).\($0)" } }.sorted()
                if parts.count == 2, PlaybookVocabulary.metrics[parts[0]]?.contains(parts[1]) == true {
                    (probe, metric) = (parts[0], parts[1])
                } else {
                    source.error("unknown metric '\(text)'\(Suggest.hint(for: text, in: known)); an alert watches a probe metric like errors.error_rate", at: node)
                }
            }
            let above = fields["above"].flatMap { source.number($0.value, field: "above") }
            let below = fields["below"].flatMap { source.number($0.value, field: "below") }
            if above != nil, below != nil {
                source.error("an alert fires 'above' or 'below' a threshold, not both", at: fields["below"]?.key)
            } else if above == nil, below == nil, fields["above"] == nil, fields["below"] == nil {
                source.error("the alert '\(name)' needs a threshold: 'above: 0.05' or 'below: 10'", at: item)
            }
            var holdFor: Int64 = 0
            if let node = fields["for"]?.value, let value = boundedDuration(node, field: "for", Bounds.alertFor) {
                holdFor = Int64(value.rounded())
            }
            let summary = fields["summary"].flatMap { source.string($0.value, field: "summary") }
            guard !name.isEmpty, !probe.isEmpty, let threshold = above ?? below, threshold.isFinite else { continue }
            rules.append(AlertRule(name: name, probe: probe, metric: metric, comparison: above != nil ? .above : .below, threshold: threshold,
                                   holdFor: holdFor, summary: summary))
        }
        return rules
    }

    func format(_ value: Double) -> String {
        Bound.plain(value)
    }

    /// A number within its bound (`Bounds`), or an error naming the range.
    mutating func bounded(_ node: Node, field: String, _ bound: Bound) -> Double? {
        guard let value = source.number(node, field: field) else { return nil }
        guard bound.contains(value) else {
            source.error("'\(field)' must be \(bound.range), not \(format(value))", at: node)
            return nil
        }
        return value
    }

    mutating func fraction(_ node: Node, field: String) -> Double? {
        guard let value = source.number(node, field: field) else { return nil }
        guard Bounds.fraction.contains(value) else {
            source.error("'\(field)' is a fraction between 0 and 1 (0.02 is 2%), not \(format(value))", at: node)
            return nil
        }
        return value
    }

    /// A duration within its bound, in milliseconds (`0` alone is a duration of nothing).
    mutating func boundedDuration(_ node: Node, field: String, _ bound: Bound) -> Double? {
        guard let text = source.string(node, field: field) else { return nil }
        guard let value = text == "0" ? 0 : source.duration(node, field: field) else { return nil }
        guard bound.contains(value) else {
            source.error("'\(field)' must be \(bound.range), not \(text)", at: node)
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node, field: String, in bound: Bound, what: String) -> Int? {
        guard let value = source.integer(node, field: field) else { return nil }
        guard bound.contains(Double(value)) else {
            source.error("'\(field)' must be \(bound.range) \(what), not \(value)", at: node)
            return nil
        }
        return value
    }

    mutating func algorithm(_ node: Node, field: String) -> BalanceAlgorithm? {
        guard let text = source.string(node, field: field) else { return nil }
        guard let algorithm = BalanceAlgorithm(rawValue: text) else {
            source.error("unknown algorithm '\(text)'\(Suggest.hint(for: text, in: BalanceAlgorithm.names)); use one of \(BalanceAlgorithm.names.joined(separator: ", "))", at: node)
            return nil
        }
        return algorithm
    }

    mutating func state(_ node: Node, field: String) -> ServerAdminState? {
        guard let text = source.string(node, field: field) else { return nil }
        guard let state = ServerAdminState(rawValue: text) else {
            source.error("unknown state '\(text)'\(Suggest.hint(for: text, in: ScenarioLoader.stateNames)); use ready, drain or maint", at: node)
            return nil
        }
        return state
    }

    mutating func traffic(_ node: Node, start: Instant?) -> TrafficSpec {
        let fields = source.fields(of: node, in: "traffic", known: ScenarioLoader.trafficFields, required: ["rate"])
        var traffic = TrafficSpec(rate: 0)
        if let node = fields["rate"]?.value, let rate = bounded(node, field: "rate", Bounds.rate) { traffic.rate = rate }
        if let node = fields["sticky"]?.value, let text = source.string(node, field: "sticky") {
            switch text {
            case "user": traffic.sticky = true
            case "none", "false", "no": traffic.sticky = false
            default: source.error("'sticky' is 'user' (each user's requests go to one backend) or 'none', not '\(text)'\(Suggest.hint(for: text, in: ["user", "none"]))", at: node)
            }
        }
        if let node = fields["sources"]?.value, let value = integer(node, field: "sources", in: Bounds.sources, what: "client networks") {
            traffic.sources = value
        }
        if let node = fields["profile"]?.value {
            var points: [RatePoint] = []
            var last: Int64 = -1
            for item in source.items(node, field: "profile") {
                let point = source.fields(of: item, in: "a profile point", known: ["at", "rate"], required: ["at", "rate"])
                guard let atNode = point["at"]?.value, let rateNode = point["rate"]?.value else { continue }
                let at = offset(atNode, field: "at", start: start)
                let rate = bounded(rateNode, field: "rate", Bounds.rate)
                if let at, let rate {
                    if at <= last { source.error("profile points must be in time order, each after the one before", at: atNode) }
                    last = at
                    points.append(RatePoint(offset: at, rate: rate))
                }
            }
            traffic.profile = points
        }
        return traffic
    }

    mutating func offset(_ node: Node, field: String, start: Instant?) -> Int64? {
        guard let text = source.string(node, field: field) else { return nil }
        guard let value = ScenarioLoader.offset(text, start: start) else {
            source.error("'\(field)' must be a time after the start, '+DURATION' (+10m, +1h30m) or an ISO-8601 time, not '\(text)'", at: node)
            return nil
        }
        guard value >= 0 else {
            source.error("'\(field)' is before the scenario's start", at: node)
            return nil
        }
        guard Bounds.offset.contains(Double(value)) else {
            source.error("'\(field)' is more than \(SimulatedTarget.spanText(SimulatedTarget.longestDrill)) after the start, and a drill simulates at most that", at: node)
            return nil
        }
        return value
    }

    mutating func loadBalancer(_ node: Node) -> LoadBalancerSpec {
        let fields = source.fields(of: node, in: "loadbalancer", known: ScenarioLoader.balancerFields, required: ["algorithm"])
        var spec = LoadBalancerSpec(algorithm: .roundRobin)
        if let node = fields["algorithm"]?.value, let algorithm = algorithm(node, field: "algorithm") { spec.algorithm = algorithm }
        if let node = fields["timeout"]?.value, let value = boundedDuration(node, field: "timeout", Bounds.latency) { spec.timeout = Int64(value.rounded()) }
        if let node = fields["retries"]?.value, let value = integer(node, field: "retries", in: Bounds.retries, what: "attempts after the first") {
            spec.retries = value
        }
        if let node = fields["ratelimit"]?.value, let value = bounded(node, field: "ratelimit", Bounds.rate) { spec.rateLimit = value }
        if let node = fields["health_check"]?.value {
            let check = source.fields(of: node, in: "health_check", known: ScenarioLoader.checkFields, required: [])
            if let node = check["interval"]?.value, let value = boundedDuration(node, field: "interval", Bounds.latency) {
                spec.healthCheck.interval = max(1000, Int64(value.rounded()))
                if value < 1000 { source.warning("health checks run at most once a simulated second; 'interval' is taken as 1s", at: node) }
            }
            if let node = check["timeout"]?.value, let value = boundedDuration(node, field: "timeout", Bounds.latency) { spec.healthCheck.timeout = Int64(value.rounded()) }
            if let node = check["rise"]?.value, let value = integer(node, field: "rise", in: Bounds.checkCount, what: "good checks") { spec.healthCheck.rise = value }
            if let node = check["fall"]?.value, let value = integer(node, field: "fall", in: Bounds.checkCount, what: "failed checks") { spec.healthCheck.fall = value }
        }
        return spec
    }

    mutating func backends(_ node: Node) -> ([BackendSpec], [Node]) {
        let items = source.items(node, field: "backends")
        if items.isEmpty, case .sequence = node { source.error("'backends' is empty; a pool needs at least one server", at: node) }
        var result: [BackendSpec] = []
        var nodes: [Node] = []
        var seen: [String: Int] = [:]
        for item in items {
            let fields = source.fields(of: item, in: "a backend", known: ScenarioLoader.backendFields, required: ["name", "capacity", "latency"])
            guard case .mapping = item else { continue }
            var backend = BackendSpec(name: "", capacity: 1, latency: 1)
            var ok = true
            if let node = fields["name"]?.value, let name = source.string(node, field: "name") {
                if name.isEmpty || name.contains(where: { $0 == " " || $0 == "\t" }) {
                    source.error("backend name '\(name)' must be non-empty and without spaces", at: node)
                    ok = false
                } else if let line = seen[name] {
                    source.error("duplicate backend name '\(name)' (first defined on line \(line)); names must be unique", at: node)
                    ok = false
                } else {
                    seen[name] = node.mark?.line ?? 0
                }
                backend.name = name
            } else { ok = false }
            if let node = fields["capacity"]?.value {
                if let value = source.number(node, field: "capacity") {
                    if !Bounds.capacity.contains(value) { source.error("'capacity' of '\(backend.name)' must be \(Bounds.capacity.range), not \(format(value))", at: node); ok = false } else { backend.capacity = value }
                } else { ok = false }
            }
            if let node = fields["latency"]?.value {
                if let value = boundedDuration(node, field: "latency", Bounds.latency) { backend.latency = value } else { ok = false }
            }
            if let node = fields["weight"]?.value {
                if let value = integer(node, field: "weight", in: Bounds.weight, what: "(HAProxy's weight range)") { backend.weight = value } else { ok = false }
            }
            if let node = fields["state"]?.value, let state = state(node, field: "state") { backend.state = state }
            if let node = fields["error_rate"]?.value, let value = fraction(node, field: "error_rate") { backend.errorRate = value }
            if ok {
                result.append(backend)
                nodes.append(item)
            }
        }
        return (result, nodes)
    }

    mutating func dependencies(_ node: Node) -> DependencyFigures {
        var figures = DependencyFigures()
        let fields = source.fields(of: node, in: "dependencies", known: ScenarioLoader.dependencyFields, required: [])
        if let node = fields["database"]?.value {
            let change = database(node)
            figures = change.applied(to: figures)
        }
        if let node = fields["network"]?.value {
            let change = network(node)
            figures = change.applied(to: figures)
        }
        return figures
    }

    mutating func database(_ node: Node) -> DependencyChange {
        var change = DependencyChange()
        let fields = source.fields(of: node, in: "database", known: ScenarioLoader.databaseFields, required: [])
        if let node = fields["latency"]?.value, let value = boundedDuration(node, field: "latency", Bounds.latency) { change.databaseLatency = value }
        if let node = fields["error_rate"]?.value, let value = fraction(node, field: "error_rate") { change.databaseErrorRate = value }
        return change
    }

    mutating func network(_ node: Node) -> DependencyChange {
        var change = DependencyChange()
        let fields = source.fields(of: node, in: "network", known: ScenarioLoader.networkFields, required: [])
        if let node = fields["rtt"]?.value, let value = boundedDuration(node, field: "rtt", Bounds.roundTrip) { change.networkRTT = value }
        if let node = fields["loss"]?.value, let value = fraction(node, field: "loss") { change.networkLoss = value }
        return change
    }

    mutating func backendName(_ node: Node, backends: [String]) -> String? {
        guard let name = node.string, case .scalar = node else {
            source.error("a backend name must be a single value", at: node)
            return nil
        }
        guard backends.contains(name) else {
            source.error("no backend named '\(name)'\(Suggest.hint(for: name, in: backends)); backends are defined under 'backends'", at: node)
            return nil
        }
        return name
    }

    mutating func events(_ node: Node, start: Instant?, backends: [String]) -> [ScenarioEvent] {
        var result: [ScenarioEvent] = []
        for item in source.items(node, field: "events") {
            let fields = source.fields(of: item, in: "an event", known: ScenarioLoader.eventFields, required: ["at"])
            guard case .mapping = item else { continue }
            var event = ScenarioEvent(offset: 0)
            var ok = true
            if let node = fields["at"]?.value {
                if let value = offset(node, field: "at", start: start) { event.offset = value } else { ok = false }
            }
            if let node = fields["by"]?.value, let by = source.string(node, field: "by") {
                if by.isEmpty { source.error("'by' is empty; name who made the change", at: node) } else { event.by = by }
            }
            event.note = fields["note"].flatMap { source.string($0.value, field: "note") }
            if let node = fields["set"]?.value { event.set = configChange(node, backends: backends) }
            if let node = fields["traffic"]?.value { event.traffic = trafficChange(node) }
            if let node = fields["dependencies"]?.value {
                let deps = source.fields(of: node, in: "dependencies", known: ScenarioLoader.dependencyFields, required: [])
                var change = DependencyChange()
                if let db = deps["database"]?.value {
                    let part = database(db)
                    change.databaseLatency = part.databaseLatency
                    change.databaseErrorRate = part.databaseErrorRate
                }
                if let net = deps["network"]?.value {
                    let part = network(net)
                    change.networkRTT = part.networkRTT
                    change.networkLoss = part.networkLoss
                }
                event.dependencies = change
            }
            if fields["set"] == nil, fields["traffic"] == nil, fields["dependencies"] == nil {
                source.error("the event changes nothing; give it 'set', 'traffic' or 'dependencies'", at: item)
                ok = false
            }
            if ok { result.append(event) }
        }
        return result
    }

    mutating func configChange(_ node: Node, backends: [String]) -> ConfigChange {
        var change = ConfigChange()
        let fields = source.fields(of: node, in: "set", known: ScenarioLoader.setFields, required: [])
        if let node = fields["weights"]?.value {
            if case .mapping(let mapping) = node {
                for (key, value) in mapping {
                    let name = backendName(key, backends: backends)
                    let weight = integer(value, field: "weight", in: Bounds.weight, what: "(HAProxy's weight range)")
                    if let name, let weight { change.weights.append((name, weight)) }
                }
            } else {
                source.error("'weights' must map backend names to weights, like { msg-1: 100 }", at: node)
            }
        }
        if let node = fields["state"]?.value {
            if case .mapping(let mapping) = node {
                for (key, value) in mapping {
                    let name = backendName(key, backends: backends)
                    let state = state(value, field: "state")
                    if let name, let state { change.states.append((name, state)) }
                }
            } else {
                source.error("'state' must map backend names to ready, drain or maint, like { msg-2: drain }", at: node)
            }
        }
        if let node = fields["algorithm"]?.value { change.algorithm = algorithm(node, field: "algorithm") }
        if let node = fields["ratelimit"]?.value, let text = source.string(node, field: "ratelimit") {
            if text == "off" || text == "none" { change.rateLimit = .some(nil) } else if let value = bounded(node, field: "ratelimit", Bounds.rate) {
                change.rateLimit = .some(value)
            }
        }
        return change
    }

    mutating func trafficChange(_ node: Node) -> TrafficChange {
        var change = TrafficChange()
        let fields = source.fields(of: node, in: "traffic", known: ScenarioLoader.trafficChangeFields, required: [])
        if let node = fields["rate"]?.value { change.rate = bounded(node, field: "rate", Bounds.rate) }
        if let node = fields["factor"]?.value { change.factor = bounded(node, field: "factor", Bounds.factor) }
        if fields["rate"] != nil, let node = fields["factor"]?.key {
            source.error("give 'rate' or 'factor', not both", at: node)
        }
        if let node = fields["attack"]?.value {
            if case .scalar(let scalar) = node, scalar.string == "none" || scalar.string == "off" {
                change.attack = .some(nil)
            } else {
                let attack = source.fields(of: node, in: "attack", known: ScenarioLoader.attackFields, required: ["rate", "sources"])
                let rate = attack["rate"].flatMap { bounded($0.value, field: "rate", Bounds.rate) }
                let sources = attack["sources"].flatMap { integer($0.value, field: "sources", in: Bounds.sources, what: "networks") }
                if let rate, let sources { change.attack = .some(AttackSpec(rate: rate, sources: sources)) }
            }
        }
        return change
    }
}
