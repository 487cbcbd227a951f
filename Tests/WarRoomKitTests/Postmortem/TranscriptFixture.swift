import WarRoomKit

/// Builds transcripts for postmortem tests: entries with consecutive `seq`, a valid hash chain,
/// and a clock set with `at("03:45")`.
struct TranscriptFixture {
    var entries: [TranscriptEntry] = []
    var now: Instant
    var by = "alice"
    let day: Instant

    init(start: String = "2023-11-05T03:30:00Z", title: String = "Messaging outage", severity: String = "SEV-1",
         playbook: JSONValue = ["id": "lb-cascading-failure", "version": 1, "sha256": "ab", "path": "Playbooks/lb.yaml"],
         scenario: JSONValue = ["id": "lb-misconfig-2023-11-05", "seed": 20231105, "sha256": "cd", "path": "x.yaml"])
    {
        now = Instant.parseISO8601(start)!
        day = now.startOfDay
        add(.open, text: title, data: [
            "incident": "INC-20231105-0330", "title": .string(title), "severity": .string(severity), "responder": "alice",
            "playbook": playbook, "scenario": scenario, "clock": ["mode": "virtual", "speed": 0, "start": .string(start)],
            "target": "sim", "program": ["name": "warroom", "version": "0.1.0"], "hash": "sha256-chain-v1",
        ])
    }

    /// Moves the clock to `HH:MM` (or `HH:MM:SS`) on the incident's first day.
    mutating func at(_ time: String) {
        now = Self.time(time, day: day)
    }

    static func time(_ time: String, day: Instant = Instant.parseISO8601("2023-11-05")!) -> Instant {
        let parts = time.split(separator: ":").map { Int64($0)! }
        return day + (parts[0] * 3600 + parts[1] * 60 + (parts.count > 2 ? parts[2] : 0)) * 1000
    }

    @discardableResult
    mutating func add(_ kind: EntryKind, text: String = "", data: JSONObject = [:], phase: String? = nil, step: String? = nil) -> Int {
        let seq = entries.count + 1
        var entry = TranscriptEntry(seq: seq, at: now, wall: Instant(milliseconds: 1_700_000_000_000 + Int64(seq)), by: by, kind: kind,
                                    phase: phase, step: step, text: text, data: data)
        entry.hash = HashChain.hash(previous: entries.last?.hash ?? HashChain.genesis, content: entry.contentBytes())
        entries.append(entry)
        return seq
    }

    @discardableResult
    mutating func note(_ text: String, tags: [String] = []) -> Int {
        add(.note, text: text, data: tags.isEmpty ? [:] : ["tags": .array(tags.map(JSONValue.string))])
    }

    @discardableResult
    mutating func mark(_ milestone: String, at time: String? = nil, _ text: String = "") -> Int {
        let effective = time.map { Self.time($0, day: day) } ?? now
        return add(.milestone, text: text, data: ["milestone": .string(milestone), "time": .string(effective.iso8601)])
    }

    @discardableResult
    mutating func hypothesis(_ id: String, _ text: String) -> Int {
        add(.hypothesis, text: text, data: ["id": .string(id), "status": "open"])
    }

    @discardableResult
    mutating func ruleOut(_ id: String, _ reason: String) -> Int {
        add(.hypothesis, text: reason, data: ["id": .string(id), "status": "ruled-out", "reason": .string(reason)])
    }

    @discardableResult
    mutating func confirm(_ id: String, _ reason: String) -> Int {
        add(.hypothesis, text: reason, data: ["id": .string(id), "status": "confirmed", "reason": .string(reason)])
    }

    @discardableResult
    mutating func action(_ id: String, _ text: String, owner: String?, type: String, due: String? = nil) -> Int {
        var data: JSONObject = ["id": .string(id), "status": "open", "type": .string(type)]
        if let owner { data["owner"] = .string(owner) }
        if let due { data["due"] = .string(due) }
        return add(.action, text: text, data: data)
    }

    @discardableResult
    mutating func done(_ id: String) -> Int {
        add(.action, text: "done", data: ["id": .string(id), "status": "done"])
    }

    @discardableResult
    mutating func probe(_ kind: String, _ metrics: JSONObject) -> Int {
        add(.probe, text: "\(kind) probe", data: ["probe": .string(kind), "args": [], "metrics": .object(metrics)])
    }

    @discardableResult
    mutating func statement(_ kind: String, _ text: String) -> Int {
        add(.statement, text: text, data: ["statement": .string(kind)])
    }

    @discardableResult
    mutating func lb(_ text: String, action: String, backend: String? = nil, value: JSONValue? = nil, from: Int, to: Int,
                     changes: [String] = []) -> Int {
        var data: JSONObject = ["action": .string(action)]
        if let backend { data["backend"] = .string(backend) }
        if let value { data["value"] = value }
        data["version"] = .int(to)
        data["from_version"] = .int(from)
        if !changes.isEmpty { data["changes"] = .array(changes.map(JSONValue.string)) }
        return add(.lb, text: text, data: data)
    }

    @discardableResult
    mutating func step(_ step: String, _ status: String, reason: String? = nil, check: JSONObject? = nil, phase: String = "detection") -> Int {
        var data: JSONObject = ["step": .string(step), "status": .string(status)]
        if let reason { data["reason"] = .string(reason) }
        if let check { data["check"] = .object(check) }
        return add(.step, text: reason ?? "", data: data, phase: phase, step: step)
    }

    @discardableResult
    mutating func amend(_ target: Int, _ text: String) -> Int {
        add(.amend, text: text, data: ["target": .int(target)])
    }

    @discardableResult
    mutating func retract(_ target: Int, _ reason: String) -> Int {
        add(.retract, text: reason, data: ["target": .int(target), "reason": .string(reason)])
    }

    /// The transcript file's bytes.
    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        for entry in entries {
            bytes += entry.lineBytes()
            bytes.append(0x0A)
        }
        return bytes
    }

    /// Compiles the postmortem of these entries, verified.
    func model(file: String = "INC-20231105-0330.jsonl") throws -> PostmortemModel {
        try Postmortem.compile(bytes: bytes, path: "Transcripts/" + file)
    }
}

extension TranscriptFixture {
    /// The original incident, worked the way its responders worked it: detection at 03:45,
    /// a suspected DDoS, the database and the network ruled out, escalation, the load balancer
    /// misconfiguration found, rollback, reconfiguration, resolution at 11:30.
    static func originalIncident() -> TranscriptFixture {
        var t = TranscriptFixture()
        t.add(.role, text: "alice is commander", data: ["role": "commander", "name": "alice"])
        t.add(.role, text: "bob is operations", data: ["role": "operations", "name": "bob"])
        t.at("03:40")
        t.by = "maintenance-automation"
        t.lb("Routine maintenance: weights set", action: "weight", backend: "msg-1", value: 100, from: 1, to: 2)
        t.by = "alice"
        t.at("03:45")
        t.probe("errors", ["error_rate": 0.31, "timeout_rate": 0.04, "users_affected": 0.12])
        t.probe("traffic", ["request_rate": 9000, "baseline_ratio": 1.02, "top_source_share": 0.01])
        t.mark("detected", "Error-rate alert fired")
        t.mark("impact-start", at: "03:40", "Errors began climbing")
        t.step("acknowledge", "done", check: ["probe": "errors", "metric": "error_rate", "value": 0.31, "threshold": 0.02,
                                             "comparison": "above", "passed": true])
        t.at("03:47")
        t.mark("acknowledged")
        t.add(.phase, text: "investigation", data: ["phase": "investigation", "from": "detection"])
        t.hypothesis("H1", "DDoS attack from a botnet")
        t.at("03:55")
        t.probe("traffic", ["request_rate": 9100, "baseline_ratio": 1.01, "top_source_share": 0.012])
        t.ruleOut("H1", "traffic is at baseline and spread over 400 sources")
        t.hypothesis("H2", "Database latency")
        t.at("04:05")
        t.probe("db", ["latency_ms": 8, "error_rate": 0.0005])
        t.ruleOut("H2", "database latency normal at 8 ms")
        t.hypothesis("H3", "Network latency between balancer and pool")
        t.at("04:12")
        t.probe("network", ["rtt_ms": 0.8, "loss": 0])
        t.ruleOut("H3", "rtt 0.8 ms and no loss")
        t.at("04:15")
        t.add(.escalation, text: "Paged reliability", data: ["to": "reliability-team", "reason": "no cause found in 30 minutes"])
        t.mark("escalated")
        t.hypothesis("H4", "Pool weights misconfigured by the maintenance")
        t.at("04:25")
        t.probe("distribution", ["skew": 3.4, "max_utilization": 1.6])
        t.confirm("H4", "three servers take 80% of requests")
        t.statement("root_cause", "Routine maintenance left the pool's weights wrong, so traffic concentrated on three servers, which failed their health checks one after another.")
        t.statement("trigger", "Routine maintenance at 03:40 UTC")
        t.statement("impact", "About 30% of users could not send or receive messages")
        t.at("04:30")
        t.action("A1", "Roll back the load balancer configuration", owner: "bob", type: "mitigate")
        t.by = "bob"
        t.lb("rollback to v1", action: "rollback", value: 1, from: 2, to: 3)
        t.done("A1")
        t.by = "alice"
        t.at("04:40")
        t.probe("errors", ["error_rate": 0.02, "timeout_rate": 0.001, "users_affected": 0.29])
        t.mark("mitigated", "Rollback brought relief")
        t.note("Rollback took effect in minutes #went-well")
        t.note("Nobody checked the weights after the maintenance #went-wrong")
        t.note("Traffic was low at night #lucky")
        t.add(.update, text: "Mitigated; permanent fix in progress")
        t.at("11:20")
        t.by = "bob"
        t.lb("reconfigured weights", action: "weight", backend: "msg-2", value: 100, from: 3, to: 4)
        t.by = "alice"
        t.probe("errors", ["error_rate": 0.001, "timeout_rate": 0, "users_affected": 0.52])
        t.at("11:30")
        t.mark("resolved", "Weights corrected")
        t.action("A2", "Audit load balancer configuration after every change", owner: "sre", type: "prevent", due: "2023-12-01")
        t.action("A3", "Alert on balancer pool skew", owner: "sre", type: "prevent", due: "2023-11-20")
        t.action("A4", "Document the maintenance procedure", owner: "ops", type: "process")
        t.action("A5", "Automated post-change checks", owner: "platform", type: "prevent")
        t.action("A6", "Train responders on load balancer probes", owner: "sre-lead", type: "process")
        t.add(.close, text: "closed", data: ["summary": "Load balancer misconfiguration fixed."])
        return t
    }
}
