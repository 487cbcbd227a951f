import Testing
@testable import WarRoomKit

/// Drives the playbook engine the way the shell does: records every draft as a transcript
/// line (serialized, hash-chained and read back), folds it into the incident's state, fires
/// timers on `advance`, and can rebuild the state from the lines alone, as `resume` does.
struct PlaybookDrill {
    let playbook: Playbook
    var state = IncidentState()
    var now: Instant
    /// The engine over the state as it stands.
    var progress: PlaybookProgress { PlaybookProgress(playbook: playbook, state: state) }
    private(set) var lines: [[UInt8]] = []
    private(set) var entries: [TranscriptEntry] = []
    private(set) var printed: [String] = []
    private var previousHash = HashChain.genesis

    init(_ playbook: Playbook, openAt start: Instant) throws {
        self.playbook = playbook
        now = start
        write(PlaybookEntryDraft(kind: .open, text: "Incident opened", data: ["playbook": playbook.openRecord]))
        try perform(progress.begin(at: now))
    }

    /// Appends one entry as the transcript writer would, then folds the line read back.
    mutating func write(_ draft: PlaybookEntryDraft, input: String? = nil) {
        var entry = draft.entry(seq: entries.count + 1, now: now, wall: Instant(milliseconds: 0), by: "responder", input: input)
        let content = entry.contentBytes()
        entry.hash = HashChain.hash(previous: previousHash, content: content)
        previousHash = entry.hash
        let line = entry.lineBytes()
        lines.append(line)
        let decoded = try! TranscriptEntry.decode(line: line, number: lines.count)
        entries.append(decoded)
        state.apply(decoded)
    }

    mutating func perform(_ outcome: PlaybookOutcome, input: String? = nil) {
        for draft in outcome.entries { write(draft, input: input) }
        printed.append(outcome.message)
    }

    mutating func probe(_ kind: String, _ metrics: JSONObject) {
        write(PlaybookEntryDraft(kind: .probe, text: "probe \(kind)", data: ["probe": .string(kind), "args": [], "metrics": .object(metrics)]),
              input: "probe \(kind)")
    }

    mutating func mark(_ milestone: String, at time: Instant? = nil) {
        write(PlaybookEntryDraft(kind: .milestone, text: "Milestone \(milestone)",
                                 data: ["milestone": .string(milestone), "time": .string((time ?? now).iso8601)]),
              input: "mark \(milestone)")
    }

    /// `escalate TO REASON` as the session records it: an escalation, and the first one sets `escalated`.
    mutating func escalate(_ to: String, _ reason: String) {
        write(PlaybookEntryDraft(kind: .escalation, text: "Escalated to \(to): \(reason)", data: ["to": .string(to), "reason": .string(reason)]),
              input: "escalate \(to) \(reason)")
        if progress.milestones["escalated"] == nil { mark("escalated") }
    }

    mutating func update(_ text: String) {
        write(PlaybookEntryDraft(kind: .update, text: text, data: [:]), input: "update \(text)")
    }

    mutating func done(_ step: String? = nil, note: String? = nil) throws {
        try perform(progress.done(step: step, note: note, at: now), input: "done")
    }

    mutating func skip(_ step: String? = nil, reason: String) throws {
        try perform(progress.skip(step: step, reason: reason, at: now), input: "skip")
    }

    mutating func goto(_ target: String) throws {
        try perform(progress.goto(target, at: now), input: "goto \(target)")
    }

    /// `advance`: every timer due on the way is recorded at its own due time.
    @discardableResult
    mutating func advance(minutes: Int64) -> [TimerFiring] {
        let through = now + minutes * 60_000
        let firings = progress.dueTimers(from: now, through: through)
        for firing in firings {
            for draft in firing.entries { write(draft) }
            printed.append(firing.message)
        }
        now = through
        return firings
    }

    /// Timer entries as `HH:MM kind detail`, for asserting exact incident times.
    var timerLog: [String] {
        entries.filter { $0.kind == .timer }.map { entry in
            let detail = entry.data["page"]?.stringValue ?? entry.data["step"]?.stringValue ?? ""
            return "\(entry.at.hourMinute) \(entry.data["timer"]?.stringValue ?? "?")\(detail.isEmpty ? "" : " \(detail)")"
        }
    }

    /// `step` entries as `id:status`, in order.
    var stepLog: [String] {
        entries.filter { $0.kind == .step && $0.data["status"] != nil }.map {
            "\($0.data["step"]?.stringValue ?? "?"):\($0.data["status"]?.stringValue ?? "?")"
        }
    }

    /// The steps that became current, in order: the path taken through the playbook.
    var path: [String] {
        entries.filter { $0.kind == .step && $0.data["status"] == "current" }.compactMap { $0.data["step"]?.stringValue }
    }

    /// Each check's verdict as `step:pass` or `step:fail`.
    var checks: [String] {
        entries.compactMap { entry in
            guard entry.kind == .step, let passed = entry.data["check"]?["passed"]?.boolValue else { return nil }
            return "\(entry.data["step"]?.stringValue ?? "?"):\(passed ? "pass" : "fail")"
        }
    }

    /// Milestones recorded by the playbook or the responder, as `HH:MM name`.
    var milestoneLog: [String] {
        entries.filter { $0.kind == .milestone }.map { entry in
            let time = entry.data["time"]?.stringValue.flatMap(Instant.parseISO8601) ?? entry.at
            return "\(time.hourMinute) \(entry.data["milestone"]?.stringValue ?? "?")"
        }
    }

    /// The progress `resume` would rebuild from the transcript's lines.
    func resumed() throws -> PlaybookProgress {
        let decoded = try lines.enumerated().map { try TranscriptEntry.decode(line: $1, number: $0 + 1) }
        return PlaybookProgress(playbook: playbook, state: IncidentState(entries: decoded))
    }
}

extension Instant {
    /// `2023-11-05T03:45:00Z` from `"03:45"`, for readable tests.
    static func at(_ time: String, on day: String = "2023-11-05") -> Instant {
        Instant.parseISO8601("\(day)T\(time):00Z")!
    }
}
