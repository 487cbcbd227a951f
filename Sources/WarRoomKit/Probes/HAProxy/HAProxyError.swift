import Foundation

/// What can go wrong talking to HAProxy's runtime API. Each message is one line that says
/// what failed, where, and what to do about it.
public enum HAProxyError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The `--target` text is not a HAProxy address warroom understands.
    case invalidAddress(text: String, reason: String)
    /// A backend or server name that HAProxy would not accept (and that could smuggle a second command).
    case invalidName(String)
    /// No file at the socket path: HAProxy is not running, or its `stats socket` line names another path.
    case socketMissing(path: String)
    /// Something other than a socket sits at the path.
    case notASocket(path: String)
    /// The operating system does not let this user open the socket.
    case permissionDenied(path: String)
    /// Nothing accepts connections there: HAProxy stopped (a stale socket file) or the port is wrong.
    case connectionRefused(endpoint: String)
    /// The peer reset the connection before the answer was complete.
    case connectionReset(endpoint: String, command: String)
    /// No connection (`command` is `nil`) or no answer within the time-out.
    case timedOut(endpoint: String, command: String?, milliseconds: Int)
    /// The host name does not resolve.
    case unresolvedHost(host: String, reason: String)
    /// Any other socket failure, with the system's reason.
    case socketFailure(endpoint: String, operation: String, reason: String)
    /// The answer is not what HAProxy's runtime API sends: an HTTP server, another service, garbage.
    case notHAProxy(endpoint: String, command: String, answer: String)
    /// HAProxy answered `Permission denied`: the socket's `level` is too low for the command.
    case levelTooLow(endpoint: String, command: String)
    /// HAProxy does not know the command (an older version, or a master CLI socket).
    case unknownCommand(endpoint: String, command: String)
    /// HAProxy has no backend of that name.
    case noSuchBackend(endpoint: String, backend: String, known: [String])
    /// HAProxy has no frontend of the name given with `,frontend=`.
    case noSuchFrontend(endpoint: String, frontend: String, known: [String])
    /// HAProxy has no server of that name in the backend.
    case noSuchServer(endpoint: String, backend: String, server: String)
    /// HAProxy refused the command with a message of its own.
    case commandFailed(endpoint: String, command: String, message: String)
    /// No backend was named and HAProxy does not have exactly one backend with servers.
    case backendNotChosen(endpoint: String, backendsWithServers: [String], allBackends: [String])
    /// HAProxy accepted a change but reads back something else afterwards.
    case notConfirmed(endpoint: String, command: String, found: String)

    public var description: String {
        switch self {
        case .invalidAddress(let text, let reason):
            return "invalid HAProxy target '\(text)': \(reason); write haproxy:/path/to/admin.sock or haproxy:HOST:PORT, optionally followed by ,backend=NAME and ,timeout=2s"
        case .invalidName(let name):
            return "'\(name)' is not a HAProxy backend or server name (letters, digits and - _ . : only); check the spelling against `probe health`"
        case .socketMissing(let path):
            return "no HAProxy socket at \(path): HAProxy is not running there or its `stats socket` line names another path; start HAProxy or fix the path"
        case .notASocket(let path):
            return "\(path) exists but is not a socket; point the target at the path of HAProxy's `stats socket` line"
        case .permissionDenied(let path):
            return "permission denied opening \(path); run warroom as a user the socket's `mode`, `user` and `group` allow, or ask for a socket of your own"
        case .connectionRefused(let endpoint):
            return "connection refused at \(endpoint): nothing accepts connections there (HAProxy stopped, or a stale socket); start HAProxy or fix the address, then reconnect"
        case .connectionReset(let endpoint, let command):
            return "\(endpoint) reset the connection during '\(command)'; HAProxy may be reloading or at its connection limit, retry in a moment"
        case .timedOut(let endpoint, let command?, let ms):
            return "no answer from \(endpoint) to '\(command)' within \(ms) ms; check that the address is HAProxy's stats socket and that HAProxy is not overloaded, or raise ,timeout="
        case .timedOut(let endpoint, nil, let ms):
            return "could not connect to \(endpoint) within \(ms) ms; check the host, the port and any firewall between, or raise ,timeout="
        case .unresolvedHost(let host, let reason):
            return "cannot resolve host '\(host)': \(reason); check the name or use an IP address"
        case .socketFailure(let endpoint, let operation, let reason):
            return "\(operation) on \(endpoint) failed: \(reason)"
        case .notHAProxy(let endpoint, let command, let answer):
            let what = answer.hasPrefix("HTTP/") ? " (an HTTP server, perhaps HAProxy's stats page rather than its stats socket)" : ""
            return "\(endpoint) is not HAProxy's runtime API: to '\(command)' it answered \(answer.isEmpty ? "nothing and closed the connection" : "'\(answer)'")\(what); point the target at the address of a `stats socket` line"
        case .levelTooLow(let endpoint, let command):
            return "HAProxy at \(endpoint) refused '\(command)': Permission denied, the socket's level is too low; lb changes need a stats socket at `level admin`"
        case .unknownCommand(let endpoint, let command):
            return "HAProxy at \(endpoint) does not know '\(command)'; it is too old for it or the address is the master CLI (-S), point the target at a worker's `stats socket` (warroom is tested with HAProxy 2.6)"
        case .noSuchBackend(let endpoint, let backend, let known):
            let listed = known.isEmpty ? "" : "; backends: \(known.joined(separator: ", "))"
            return "HAProxy at \(endpoint) has no backend '\(backend)'\(Suggest.hint(for: backend, in: known))\(listed); fix ,backend=NAME in the target"
        case .noSuchFrontend(let endpoint, let frontend, let known):
            let listed = known.isEmpty ? "; it has none" : "; frontends: \(known.joined(separator: ", "))"
            return "HAProxy at \(endpoint) has no frontend '\(frontend)'\(Suggest.hint(for: frontend, in: known))\(listed); fix ,frontend=NAME in the target"
        case .noSuchServer(let endpoint, let backend, let server):
            return "HAProxy at \(endpoint) has no server '\(server)' in backend '\(backend)'; `probe health` lists the servers"
        case .commandFailed(let endpoint, let command, let message):
            return "HAProxy at \(endpoint) refused '\(command)': \(message)"
        case .backendNotChosen(let endpoint, let withServers, let all):
            if withServers.isEmpty {
                let listed = all.isEmpty ? "it has no backends" : "backends: \(all.joined(separator: ", "))"
                return "HAProxy at \(endpoint) has no backend with servers (\(listed)); point the target at the HAProxy that serves the traffic"
            }
            return "HAProxy at \(endpoint) has several backends with servers (\(withServers.joined(separator: ", "))); name one: haproxy:\(endpoint),backend=\(withServers[0])"
        case .notConfirmed(let endpoint, let command, let found):
            return "HAProxy at \(endpoint) accepted '\(command)' but then reports \(found); another change may have raced it, check with `probe config` and retry"
        }
    }

    public var errorDescription: String? { description }

    /// The start of an answer on one line, for messages: printable ASCII as is, anything else
    /// as an escape, so that binary garbage cannot upset the terminal.
    static func excerpt(_ bytes: some Collection<UInt8>, limit: Int = 60) -> String {
        var shown = ""
        for byte in bytes.prefix(limit) {
            switch byte {
            case UInt8(ascii: "\n"): shown += "\\n"
            case UInt8(ascii: "\r"): shown += "\\r"
            case UInt8(ascii: "\t"): shown += "\\t"
            case 0x20..<0x7F: shown.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                shown += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            }
        }
        return bytes.count > limit ? shown + "…" : shown
    }
}
