/// A transcript entry the playbook engine asks the session to record: the session adds
/// `seq`, `wall`, `by` and `input`, appends it, then applies it to `PlaybookProgress`.
public struct PlaybookEntryDraft: Sendable, Equatable {
    /// The transcript entry kind (`step`, `phase`, `milestone`, `timer`, `escalation`).
    public var kind: EntryKind
    /// Human-readable, for the timeline.
    public var text: String
    /// Structured result, as docs/TRANSCRIPT.md gives it for `kind`.
    public var data: JSONObject
    /// The phase and step the entry belongs to.
    public var phase: String?
    public var step: String?
    /// The incident time to record it at, for timer firings (their due time, so that an
    /// `advance` over several timers records each at its own time); `nil` means "now".
    public var at: Instant?

    public init(kind: EntryKind, text: String, data: JSONObject, phase: String? = nil, step: String? = nil, at: Instant? = nil) {
        self.kind = kind
        self.text = text
        self.data = data
        self.phase = phase
        self.step = step
        self.at = at
    }

    /// The transcript entry for this draft (hash left empty for the writer to fill in).
    /// - Parameters:
    ///   - seq: the entry's sequence number.
    ///   - now: the incident time, used when the draft has no `at` of its own.
    ///   - wall: the real time of writing.
    ///   - by: the responder.
    ///   - input: the line as typed, if any.
    /// - Returns: an entry ready to be chained and written.
    public func entry(seq: Int, now: Instant, wall: Instant, by: String, input: String? = nil) -> TranscriptEntry {
        TranscriptEntry(seq: seq, at: at ?? now, wall: wall, by: by, kind: kind, phase: phase, step: step, input: input, text: text, data: data)
    }
}

/// What a playbook command produced: entries to record, in order, and text to print.
public struct PlaybookOutcome: Sendable, Equatable {
    public var entries: [PlaybookEntryDraft]
    /// For the responder, plain text (no escape codes), possibly several lines.
    public var message: String

    public init(entries: [PlaybookEntryDraft], message: String) {
        self.entries = entries
        self.message = message
    }
}

/// A step's suggested commands, for `run`.
public struct PlaybookRun: Sendable, Equatable {
    /// One suggested command.
    public struct Command: Sendable, Equatable {
        /// As written in the playbook (`probe errors`, `!dig +short db.internal`).
        public var text: String
        /// A `!` command runs in the system shell: show it and ask before running it, and
        /// never run it from a piped script unless `--allow-shell` was given.
        public var isShell: Bool
        /// The shell command without its `!`, for shell commands.
        public var shellCommand: String? {
            guard isShell else { return nil }
            let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
            return String(text.drop(while: isBlank).dropFirst().drop(while: isBlank))
        }
    }

    /// The step whose suggestions they are.
    public var step: Playbook.Step
    /// In the playbook's order.
    public var commands: [Command]
    /// What to record before running them.
    public var entries: [PlaybookEntryDraft]
    /// The step's title and guide, to print before running the commands.
    public var message: String
}
