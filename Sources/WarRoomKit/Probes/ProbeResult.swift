/// The diagnostic probes of SPEC §5.
public enum ProbeKind: String, Sendable, CaseIterable {
    case health, distribution, latency, errors, traffic, config, backend, db, network

    /// Every probe kind's name, for completion and "did you mean".
    public static let names: [String] = allCases.map(\.rawValue)

    /// The metric names the probe reports (SPEC §4, the ones a playbook `check` may use).
    public var metricNames: [String] {
        switch self {
        case .health: return ["backends_up", "backends_down"]
        case .distribution: return ["skew", "max_utilization"]
        case .latency: return ["p50_ms", "p99_ms"]
        case .errors: return ["error_rate", "timeout_rate"]
        case .traffic: return ["request_rate", "baseline_ratio", "top_source_share"]
        case .config: return ["minutes_since_change"]
        case .backend: return []
        case .db: return ["latency_ms", "error_rate"]
        case .network: return ["rtt_ms", "loss"]
        }
    }

    /// One line of help.
    public var summary: String {
        switch self {
        case .health: return "each backend's status and last check now; checks failed, times DOWN, downtime over the window"
        case .distribution: return "each backend's weight; share of requests, req/s, utilization, errors over the window"
        case .latency: return "p50/p95/p99 overall and per backend (HAProxy: its queue, connect, response, total averages)"
        case .errors: return "errors over the window by cause (timeouts, 5xx, connection failures, no server), per server, the last 30 minutes"
        case .traffic: return "request rate over the window against its baseline or recent peak, sources"
        case .config: return "the live configuration, its version, who changed it and when"
        case .backend: return "one backend in depth (probe backend NAME)"
        case .db: return "the database behind the backends"
        case .network: return "the network between the load balancer and the backends"
        }
    }
}

/// What a probe found: text for the responder and metrics for the transcript.
public struct ProbeResult: Sendable, Equatable {
    public var kind: ProbeKind
    public var args: [String]
    /// Aligned plain text, no escape codes.
    public var text: String
    /// The SPEC's metric names with numbers (fractions, milliseconds, counts).
    public var metrics: JSONObject
    /// The span the figures cover (`nil` for a probe of the state now, like `config`).
    public var window: ProbeWindow?
    /// Metrics of this probe the target cannot provide (HAProxy keeps no percentiles …): a
    /// playbook check on one of them is not applicable rather than failed.
    public var unavailable: [String]
    /// Why the target could not answer the probe at all (`probe db` against HAProxy), or `nil`
    /// when it answered.
    public var unavailableReason: String?
    /// Where the figures came from, when not from the load balancer itself: `source` (the
    /// metrics backend), `map` and `queries` (figure → the PromQL that answered it).
    public var provenance: JSONObject = [:]

    public init(kind: ProbeKind, args: [String] = [], text: String, metrics: JSONObject, window: ProbeWindow? = nil, unavailable: [String] = [],
                unavailableReason: String? = nil)
    {
        self.kind = kind
        self.args = args
        self.text = text
        self.metrics = metrics
        self.window = window
        self.unavailable = unavailable
        self.unavailableReason = unavailableReason
    }

    /// A probe the target cannot answer: every metric unavailable, and the reason.
    static func unanswerable(_ kind: ProbeKind, args: [String], reason: String, text: String) -> ProbeResult {
        ProbeResult(kind: kind, args: args, text: text, metrics: [:], unavailable: kind.metricNames, unavailableReason: reason)
    }

    /// The transcript entry's `data`: `{probe, args, metrics}`, with `window` (`{window_s,
    /// covered_s, from, to}`) and `unavailable` (metric names; `available: false` and `reason`
    /// when the target could not answer at all) where they apply.
    public var data: JSONObject {
        var data: JSONObject = ["probe": .string(kind.rawValue), "args": .array(args.map(JSONValue.string)), "metrics": .object(metrics)]
        if let window { data["window"] = .object(window.data) }
        if !unavailable.isEmpty { data["unavailable"] = .array(unavailable.map(JSONValue.string)) }
        if let unavailableReason {
            data["available"] = false
            data["reason"] = .string(unavailableReason)
        }
        for member in provenance.members { data[member.key] = member.value }
        return data
    }
}

/// What an `lb` command did: text for the responder and data for its transcript entry.
public struct LBResult: Sendable, Equatable {
    public var text: String
    /// `{action, backend, value, version, from_version, changes, by, source, arguments, time}` as relevant.
    public var data: JSONObject
    /// Whether it made a new configuration version.
    public var changed: Bool
    /// A change that was only partly made (a rollback HAProxy refused half-way): what went
    /// wrong. The version records what did change; the command still counts as failed.
    public var failure: String?
    /// When it happened (a scenario event's own time; the command's time otherwise).
    public var at: Instant
    /// Who made it (a scenario event's `by`, or the responder).
    public var by: String

    public init(text: String, data: JSONObject, changed: Bool, at: Instant, by: String, failure: String? = nil) {
        self.text = text
        self.data = data
        self.changed = changed
        self.at = at
        self.by = by
        self.failure = failure
    }
}

/// One configuration version: number, when, who, what changed.
public struct ConfigurationVersion: Sendable, Equatable {
    public var number: Int
    /// When it was made (a change through warroom, a scenario event), or when warroom first
    /// saw it (a change made outside warroom).
    public var at: Instant
    public var by: String
    public var note: String?
    /// One line per change (`weight msg-01: 100 → 25`); empty for the first version.
    public var changes: [String]
    public var configuration: LoadBalancerConfiguration
    /// The `lb` action that made it (`weight`, `rollback`, `scenario-event`, `outside-change` …);
    /// `nil` for the first version.
    public var action: String?
    /// For a change made outside warroom: the earliest time the evidence puts it at (HAProxy's
    /// `lastchg`, the sampler's readings), and that evidence in words.
    public var happenedAt: Instant?
    public var evidence: String?

    public init(number: Int, at: Instant, by: String, note: String?, changes: [String], configuration: LoadBalancerConfiguration,
                action: String? = nil, happenedAt: Instant? = nil, evidence: String? = nil)
    {
        self.number = number
        self.at = at
        self.by = by
        self.note = note
        self.changes = changes
        self.configuration = configuration
        self.action = action
        self.happenedAt = happenedAt
        self.evidence = evidence
    }

    /// The version an `lb` entry that changed something recorded, with its configuration
    /// (kept for a real load balancer, which cannot be re-run); `nil` for any other entry.
    public init?(recorded entry: TranscriptEntry) {
        let data = entry.data
        guard entry.kind == .lb, data["changed"]?.boolValue == true, let number = data["version"]?.intValue,
              let configuration = data["configuration"].flatMap(LoadBalancerConfiguration.init(recorded:)) else { return nil }
        let note = data["note"]?.stringValue ?? (data["action"]?.stringValue == "rollback" ? data["value"]?.intValue.map { "rollback to version \($0)" } : nil)
        self.init(number: number, at: entry.at, by: data["by"]?.stringValue ?? entry.by, note: note,
                  changes: data["changes"]?.arrayValue?.compactMap(\.stringValue) ?? [], configuration: configuration,
                  action: data["action"]?.stringValue, happenedAt: data["happened_at"]?.stringValue.flatMap(Instant.parseISO8601),
                  evidence: data["evidence"]?.stringValue)
    }
}

/// A change to the load balancer or the simulated world as recorded in a transcript, to make it
/// again after `resume`, in another shell of a room, for `replay` and the postmortem's re-run: a
/// responder's `lb` change, or a drill facilitator's inject into the simulation.
public struct RecordedLBCommand: Sendable, Equatable {
    public var at: Instant
    public var by: String
    /// The words after `lb` (`["weight", "msg-01", "100"]`); empty for an inject.
    public var arguments: [String]
    /// The facilitator's inject into the simulation (`inject traffic ×2 for 10m`), when this is one.
    public var inject: SimulationInject?

    public init(at: Instant, by: String, arguments: [String], inject: SimulationInject? = nil) {
        self.at = at
        self.by = by
        self.arguments = arguments
        self.inject = inject
    }

    /// The responders' `lb` changes and the facilitator's injects into the simulation in a
    /// transcript, in order (scenario events are left out: the simulation makes them again by itself).
    public static func from(entries: [TranscriptEntry]) -> [RecordedLBCommand] {
        entries.compactMap { entry in
            if let inject = SimulationInject(entry: entry) { return RecordedLBCommand(at: entry.at, by: entry.by, arguments: [], inject: inject) }
            guard let change = LoadBalancerChangeRecord(entry: entry), change.isResponderChange,
                let words = change.arguments
            else { return nil }
            return RecordedLBCommand(at: entry.at, by: entry.by, arguments: words)
        }
    }
}

/// Mistakes in a `probe` or `lb` command; each message says what is wrong and what to type.
public enum ConsoleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No probe of that kind.
    case unknownProbe(String)
    /// No `lb` subcommand of that name.
    case unknownSubcommand(String)
    /// Wrong number of arguments.
    case usage(String)
    /// A weight outside HAProxy's 0…256.
    case weightOutOfRange(backend: String, value: String)
    /// An algorithm name that does not exist.
    case unknownAlgorithm(String)
    /// A version number that does not exist.
    case noSuchVersion(String, latest: Int)
    /// Rollback with nothing before the current version.
    case nothingToRollBack
    /// A rate limit that is not a positive number or `off`.
    case badRateLimit(String)
    /// A `--window` that is not a duration from 1s to 30m.
    case badWindow(String, longestSeconds: Int = ProbeWindow.longestSeconds)
    /// A probe option that does not exist.
    case unknownOption(String, usage: String)

    public var description: String {
        switch self {
        case .unknownProbe(let name):
            return "no probe '\(name)'\(Suggest.hint(for: name, in: ProbeKind.names)); probes: \(ProbeKind.names.joined(separator: ", "))"
        case .unknownSubcommand(let name):
            return "no lb subcommand '\(name)'\(Suggest.hint(for: name, in: LoadBalancerConsole.subcommands)); use one of \(LoadBalancerConsole.subcommands.joined(separator: ", "))"
        case .usage(let usage):
            return "usage: \(usage)"
        case .weightOutOfRange(let backend, let value):
            return "weight '\(value)' for \(backend) is out of range: use a whole number 0…256 (0 takes it out of rotation), e.g. lb weight \(backend) 100"
        case .unknownAlgorithm(let name):
            return "no algorithm '\(name)'\(Suggest.hint(for: name, in: BalanceAlgorithm.names)); algorithms: \(BalanceAlgorithm.names.joined(separator: ", "))"
        case .noSuchVersion(let text, let latest):
            return "no configuration version '\(text)': versions are 1…\(latest) (see lb history)"
        case .nothingToRollBack:
            return "nothing to roll back: version 1 is the configuration warroom found at the start; `lb rollback initial` returns to the one the load balancer was started with (see lb history)"
        case .badRateLimit(let text):
            return "rate limit '\(SafeText.printable(text))' is not a number of requests per second, \(Bounds.rate.range): use e.g. lb ratelimit 5000, or lb ratelimit off"
        case .badWindow(let text, let longest):
            if longest != ProbeWindow.longestSeconds {
                let most = longest % 86_400 == 0 ? "\(longest / 86_400)d" : ProbeWindow.seconds(Double(longest))
                return "--window '\(SafeText.printable(text))' is not a duration from 1s to \(most): use e.g. --window 5m, --window 6h or --window 24h"
            }
            return "--window '\(SafeText.printable(text))' is not a duration from 1s to 30m (the history kept): use e.g. --window 60s or --window 5m"
        case .unknownOption(let option, let usage):
            return "unknown option '\(SafeText.printable(option))'\(Suggest.hint(for: option, in: ["--window", "--all", "--show-query"])); usage: \(usage)"
        }
    }
}
