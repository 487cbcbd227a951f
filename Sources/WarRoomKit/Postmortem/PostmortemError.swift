/// Errors compiling a postmortem; each message says what, where and what to do.
public enum PostmortemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Strict mode, and the transcript's hash chain does not check out.
    case verificationFailed(path: String, problem: VerifyProblem)
    /// The transcript cannot be read, or is not a transcript.
    case transcript(TranscriptError)

    public var description: String {
        switch self {
        case .verificationFailed(let path, let problem):
            return "\(path): the transcript failed verification at \(problem); strict mode refuses to compile it (run 'warroom verify \(path)' for details, or drop --strict to compile it with a warning)"
        case .transcript(let error):
            return error.description
        }
    }

    /// The process exit code (65 for a bad transcript, 74 for I/O errors).
    public var exitCode: Int32 {
        switch self {
        case .verificationFailed: return 65
        case .transcript(let error): return error.exitCode
        }
    }
}
