/// What a drill's facilitator knows and the responders do not (docs/DRILLS.md): when it
/// breaks, par for the team's times, the misleading paths a good team rules out and the probe
/// that rules each out, the probe that confirms the cause, the commands that fix it, and a
/// library of injects. Read from a scenario's `drill:` block; `warroom debrief` compiles the
/// team's record against it.
public struct DrillPlan: Sendable, Equatable {
    /// Par: how long after the trigger a good team detects, mitigates and resolves.
    public struct Par: Sendable, Equatable {
        public var detect: Int64?
        public var mitigate: Int64?
        public var resolve: Int64?
    }

    /// A path that looks right and is not.
    public struct MisleadingPath: Sendable, Equatable {
        /// `DDoS`, `database`.
        public var name: String
        /// Words that mark a hypothesis as this path (any of them, case-insensitive, whole words).
        public var match: [String]
        /// The command that rules it out (`probe traffic`).
        public var ruledOutBy: String
        /// Why that probe rules it out.
        public var why: String?

        /// Whether a hypothesis's text is about this path.
        public func matches(_ text: String) -> Bool {
            let words = DrillPlan.words(text)
            return match.contains { term in
                let parts = DrillPlan.words(term)
                guard !parts.isEmpty, parts.count <= words.count else { return false }
                // Whole words, in a row.
                return (0...(words.count - parts.count)).contains { start in Array(words[start..<(start + parts.count)]) == parts }
            }
        }
    }

    /// A named twist from the scenario's library (`inject customer-tweets`).
    public struct Inject: Sendable, Equatable {
        public var name: String
        public var text: String
    }

    /// Milliseconds after the scenario's start when it breaks (default: its first event).
    public var trigger: Int64
    public var par: Par
    public var misleading: [MisleadingPath]
    /// The command that shows the cause (`probe distribution`).
    public var confirm: String?
    /// Commands that fix it, by prefix (`lb rollback`, `lb set`).
    public var fix: [String]
    public var injects: [Inject]

    /// Lowercase runs of letters and digits.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }
}
