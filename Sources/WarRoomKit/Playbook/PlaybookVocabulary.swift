/// The names a playbook may use: probes and their metrics, milestones, and warroom's commands.
/// The linter, the JSON Schema (Playbooks/schema/playbook.schema.json) and the engine read
/// the same lists, so a name valid in one is valid in all.
public enum PlaybookVocabulary {
    /// Probe kinds, in the order `help probe` lists them.
    public static let probes = ["health", "distribution", "latency", "errors", "traffic", "config", "backend", "db", "network"]

    /// The metrics each probe reports, which a step's `check` may compare.
    public static let metrics: [String: [String]] = [
        "health": ["backends_up", "backends_down"],
        "distribution": ["skew", "max_utilization"],
        "latency": ["p50_ms", "p99_ms"],
        "errors": ["error_rate", "timeout_rate"],
        "traffic": ["request_rate", "baseline_ratio", "top_source_share"],
        "config": ["minutes_since_change"],
        "backend": [],
        "db": ["latency_ms", "error_rate"],
        "network": ["rtt_ms", "loss"],
    ]

    /// Incident milestones, in the order they usually happen.
    public static let milestones = ["impact-start", "detected", "acknowledged", "escalated", "mitigated", "resolved"]

    /// The shell's command names and aliases: the words a suggested `run` command may start with.
    public static let commands = [
        "help", "?", "status", "steps", "timeline", "show", "note", "n", "mark", "severity", "as", "role", "hypothesis", "hyp",
        "rule-out", "confirm", "rootcause", "trigger", "impact", "action", "todo", "escalate", "update", "amend", "retract",
        "done", "next", "skip", "goto", "run", "probe", "lb", "advance", "postmortem", "highlight", "omit", "close", "quit", "exit", "who",
    ]

    /// Severities, highest first.
    public static let severities = ["SEV-1", "SEV-2", "SEV-3", "SEV-4", "SEV-5"]

    /// Playbook fields, in the order the format documents them.
    static let playbookFields = ["playbook", "title", "version", "description", "severity", "scenario", "roles", "status_updates", "escalation", "phases"]
    static let playbookRequired = ["playbook", "title", "version"]
    static let escalationFields = ["after", "unless", "page", "note"]
    static let escalationRequired = ["after", "page"]
    static let phaseFields = ["name", "description", "steps"]
    static let phaseRequired = ["name", "steps"]
    static let stepFields = ["id", "title", "guide", "run", "timebox", "role", "milestone", "check", "on_pass", "on_fail"]
    static let stepRequired = ["id", "title"]
    static let checkFields = ["probe", "metric", "above", "below"]
    static let checkRequired = ["probe", "metric"]
}
