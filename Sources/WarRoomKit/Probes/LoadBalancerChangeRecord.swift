/// A load balancer entry as the transcript records it (`lb`): a change a responder made, one
/// found made outside warroom, a scenario's event, or a look (`show`, `history`, `diff`). Every
/// reader of `lb` payloads — the intent check, the recap, the postmortem, the re-run of a
/// drill — reads them through this, as alerts are read through `AlertRecord`.
public struct LoadBalancerChangeRecord: Sendable, Equatable {
    public var seq: Int
    public var at: Instant
    /// Who made it: the entry's author, or for a change found outside warroom what the entry
    /// says made it.
    public var by: String
    /// `weight`, `drain`, `enable`, `disable`, `algorithm`, `ratelimit`, `rollback`, `baseline`,
    /// `scenario-event`, `show`, `history`, `diff` …
    public var action: String?
    /// The server it names (the first, when it names several).
    public var backend: String?
    /// The value set (a weight, an algorithm; for a rollback the version gone back to, or `initial`).
    public var value: JSONValue?
    /// The configuration version it made, and the one it was made on.
    public var version: Int?
    public var fromVersion: Int?
    /// `true` for a change, `false` when the command changed nothing (a change to what already
    /// was); absent from older looks and baselines.
    public var changed: Bool?
    /// `operator` for a responder's change; otherwise who or what made it.
    public var source: String?
    /// The words typed after `lb`, for a responder's change.
    public var arguments: [String]?
    /// What the change says of itself (a scenario event's or an outside change's note).
    public var note: String?

    /// The record an `lb` entry holds; `nil` for another kind of entry.
    public init?(entry: TranscriptEntry) {
        guard entry.kind == .lb else { return nil }
        let data = entry.data
        seq = entry.seq
        at = entry.at
        by = data["by"]?.stringValue ?? entry.by
        action = data["action"]?.stringValue
        backend = data["backend"]?.stringValue
        value = data["value"]
        version = data["version"]?.intValue
        fromVersion = data["from_version"]?.intValue
        changed = data["changed"]?.boolValue
        source = data["source"]?.stringValue
        arguments = data["arguments"]?.arrayValue?.compactMap(\.stringValue)
        note = data["note"]?.stringValue
    }

    /// Whether it changed the configuration (not a look, not a change that changed nothing).
    public var changesConfiguration: Bool {
        changed != false && !["show", "history", "diff"].contains(action ?? "")
    }

    /// Whether a responder made it through warroom (and said so with `changed: true`).
    public var isResponderChange: Bool {
        source == "operator" && changed == true
    }

    /// `v3`, or `change` for one recorded without a version.
    public var versionLabel: String {
        version.map { "v\($0)" } ?? "change"
    }

    /// `rolled back to v1`, `set msg-07's weight to 100`, `drained msg-28`.
    public var described: String {
        let server = backend ?? "a server"
        switch action {
        case "rollback":
            if value?.stringValue == "initial" { return "rolled back to the initial configuration" }
            return "rolled back to v\(value?.intValue.map(String.init) ?? "?")"
        case "weight": return "set \(server)'s weight to \(value?.intValue.map(String.init) ?? "?")"
        case "drain": return "drained \(server)"
        case "disable": return "disabled \(server)"
        case "enable": return "enabled \(server)"
        case "algorithm": return "changed the algorithm to \(value?.stringValue ?? "?")"
        case "ratelimit": return "set the rate limit to \(value?.stringValue ?? value?.doubleValue.map { String($0) } ?? "?")"
        default: return "changed the load balancer"
        }
    }
}
