#if canImport(Glibc)
import Glibc
#endif

/// Runs a system shell command for `!COMMAND`: `/bin/sh -c` in its own process group, stdin
/// from /dev/null, stdout and stderr captured together, the whole group killed at the timeout
/// (so a pipeline's children go too), output kept up to a cap.
public enum ShellRunner {
    /// How long a command may run and how much of its output is kept.
    public struct Limits: Sendable {
        public var timeoutSeconds: Double = 30
        public var outputCapBytes: Int = 65_536

        public init(timeoutSeconds: Double = 30, outputCapBytes: Int = 65_536) {
            self.timeoutSeconds = timeoutSeconds
            self.outputCapBytes = outputCapBytes
        }
    }

    /// What a command did.
    public struct Outcome: Sendable, Equatable {
        public var output: String
        public var exitCode: Int32?
        public var timedOut: Bool
        public var truncated: Bool
        public var outputBytes: Int
    }

    /// Errors starting the shell.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// `pipe` or `posix_spawn` failed.
        case cannotStart(String)

        public var description: String {
            switch self {
            case .cannotStart(let reason): return "cannot start /bin/sh: \(reason)"
            }
        }
    }

    /// Variables a `!` command never sees: the store's credentials and where libpq finds them.
    static let secretVariables: Set<String> = ["PGPASSWORD", "PGPASSFILE", "PGSERVICEFILE", "PGSSLKEY", "PGSSLPASSWORD", "WARROOM_STORE"]

    /// warroom's environment less the store's credentials (`secretVariables`), with libpq told
    /// to read no password file: what a `!` command prints goes on a record every reader reads.
    static func scrubbedEnvironment() -> [String] {
        var kept: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            let name = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? text
            if !secretVariables.contains(name) { kept.append(text) }
            pointer += 1
        }
        return kept + ["PGPASSFILE=/dev/null"]
    }

    /// Runs `command` and waits for it (or for the timeout).
    /// - Throws: `Failure.cannotStart` when the shell cannot be started.
    public static func run(_ command: String, limits: Limits) throws -> Outcome {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure.cannotStart(errorText(errno)) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var environment: [UnsafeMutablePointer<CChar>?] = scrubbedEnvironment().map { strdup($0) } + [nil]
        defer { for pointer in environment { free(pointer) } }
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, &argv, &environment)
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            throw Failure.cannotStart(errorText(spawned))
        }
        defer { close(readEnd) }

        var kept: [UInt8] = []
        var total = 0
        var timedOut = false
        let deadline = monotonicMilliseconds() + Int64(limits.timeoutSeconds * 1000)
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let remaining = deadline - monotonicMilliseconds()
            if remaining <= 0 {
                timedOut = true
                break
            }
            var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, 250)))
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                break
            }
            if count == 0 { break }
            total += count
            if kept.count < limits.outputCapBytes {
                kept.append(contentsOf: buffer[0..<min(count, limits.outputCapBytes - kept.count)])
            }
        }
        if timedOut {
            kill(-pid, SIGTERM)
            kill(-pid, SIGKILL)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7F == 0
        let code: Int32? = timedOut ? nil : exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Outcome(output: String(decoding: kept, as: UTF8.self), exitCode: code, timedOut: timedOut,
                       truncated: total > kept.count, outputBytes: total)
    }

    static func monotonicMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
