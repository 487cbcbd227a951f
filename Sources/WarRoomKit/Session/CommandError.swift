/// Why a shell command failed; the message is one line that says what and what to do.
public enum CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No command of that name.
    case unknownCommand(String, suggestion: String?)
    /// Missing or malformed arguments: the usage line, and what was wrong.
    case usage(String, String)
    /// Arguments understood but not acceptable now (unknown id, wrong state …).
    case invalid(String)
    /// The transcript could not be written; nothing was recorded.
    case notRecorded(String)

    public var description: String {
        switch self {
        case .unknownCommand(let name, let suggestion):
            let hint = suggestion.map { "did you mean '\($0)'? " } ?? ""
            return "unknown command '\(name)'; \(hint)type 'help' for the list"
        case .usage(let usage, let problem):
            return "\(problem); usage: \(usage)"
        case .invalid(let message):
            return message
        case .notRecorded(let message):
            return message
        }
    }
}
