extension HAProxyError {
    /// Whether the error means HAProxy could not be reached or understood at all, as opposed
    /// to HAProxy refusing one command: only the former is a target's `connectionProblem`.
    public var isConnectionProblem: Bool {
        switch self {
        case .socketMissing, .notASocket, .permissionDenied, .connectionRefused, .connectionReset, .timedOut, .unresolvedHost,
            .socketFailure, .notHAProxy, .unknownCommand, .noSuchBackend, .noSuchFrontend, .backendNotChosen, .invalidAddress:
            return true
        case .invalidName, .levelTooLow, .noSuchServer, .commandFailed, .notConfirmed:
            return false
        }
    }
}
