import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program a test runs, on `posix_spawn` and `waitpid`, with every wait bounded.
///
/// Not Foundation's `Process`: on Linux it learns of a child's exit through a socket the
/// child inherits, so a program that starts a daemon (`tmux new-session` starts tmux's
/// server, which keeps that socket) leaves `waitUntilExit` waiting for ever. Here the child
/// gets its three standard descriptors and nothing else, runs in a process group of its own
/// with default signal handling, and a child that outlives its time is killed, group and all,
/// so that a hung program fails its test instead of stalling the suite.
public final class ChildProcess: @unchecked Sendable {
    /// Why a program could not be started or fed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// How the program ended.
    public struct Termination: Sendable {
        /// The exit status, or 128 + the signal that ended it.
        public var status: Int32
        /// Whether it was killed for running past its time.
        public var timedOut: Bool
    }

    public let pid: pid_t
    /// What the program has written to stdout so far.
    public let stdout = StreamText()
    /// What the program has written to stderr so far.
    public let stderr = StreamText()

    // `input` and `termination` are touched only by the thread that owns this value (the
    // test's); the two streams are filled by one reading thread and are locked themselves.
    private var input: Int32
    private var termination: Termination?

    /// Starts `path ARGUMENTS` with pipes on its stdin, stdout and stderr.
    /// - Parameters:
    ///   - path: the executable.
    ///   - arguments: its arguments (without the program name).
    ///   - environment: its whole environment.
    ///   - directory: its working directory; the test's when nil.
    public init(_ path: String, _ arguments: [String], environment: [String: String], directory: String? = nil) throws {
        _ = Self.ignoreBrokenPipes
        let stdinPipe = try Self.pipe()
        let stdoutPipe = try Self.pipe()
        let stderrPipe = try Self.pipe()
        let ours = [stdinPipe.write, stdoutPipe.read, stderrPipe.read]
        let theirs = [stdinPipe.read, stdoutPipe.write, stderrPipe.write]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, fd) in theirs.enumerated() { posix_spawn_file_actions_adddup2(&actions, fd, Int32(target)) }
        // Nothing else crosses into the child, even a descriptor another thread opened
        // without close-on-exec a moment ago.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        if let directory {
            guard let addChdir = Self.addChdir else {
                (ours + theirs).forEach { close($0) }
                throw Failure(description: "this C library cannot set a spawned program's working directory (posix_spawn_file_actions_addchdir_np)")
            }
            _ = addChdir(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?] = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        theirs.forEach { close($0) }
        guard spawned == 0 else {
            ours.forEach { close($0) }
            throw Failure(description: "cannot run \(path): \(String(cString: strerror(spawned)))")
        }
        self.pid = pid
        input = stdinPipe.write
        _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK)
        let streams = [(stdoutPipe.read, stdout), (stderrPipe.read, stderr)]
        Thread { Self.pump(streams) }.start()
    }

    deinit {
        // A child still running when its test is done is killed and reaped, never left behind.
        if termination == nil { _ = wait(seconds: 0) }
        closeInput()
    }

    /// Writes `bytes` to the program's stdin.
    /// - Throws: when the program has closed its stdin (or exited), or has not read them
    ///   within `seconds`.
    public func send(_ bytes: [UInt8], seconds: Double = 60) throws {
        guard input >= 0 else { throw Failure(description: "stdin is already closed") }
        let deadline = Date(timeIntervalSinceNow: seconds)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
                continue
            }
            guard written < 0, errno == EAGAIN || errno == EINTR else {
                throw Failure(description: "the program stopped reading its stdin after \(offset) of \(bytes.count) bytes: \(String(cString: strerror(errno)))")
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Failure(description: "the program read \(offset) of \(bytes.count) bytes of stdin in \(seconds) s") }
            var ready = pollfd(fd: input, events: Int16(POLLOUT), revents: 0)
            _ = poll(&ready, 1, Int32(min(left, 1) * 1000) + 1)
        }
    }

    /// Ends the program's stdin.
    public func closeInput() {
        guard input >= 0 else { return }
        close(input)
        input = -1
    }

    /// Waits for the program to exit; one that is still running after `seconds` is killed
    /// with its process group. Then waits (a few seconds at most) for its output to end.
    @discardableResult
    public func wait(seconds: Double = 120) -> Termination {
        if let termination { return termination }
        closeInput()
        let deadline = Date(timeIntervalSinceNow: seconds)
        var status: Int32 = 0
        var pause: useconds_t = 500
        var timedOut = false
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || reaped < 0 && errno != EINTR { break }
            if Date() >= deadline {
                timedOut = true
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        // A grandchild that kept the output pipes open must not stall the test either: what
        // the program wrote is in the pipes already; wait a little for the rest, no more.
        let grace = Date(timeIntervalSinceNow: 5)
        _ = stdout.waitForEnd(seconds: grace.timeIntervalSinceNow)
        _ = stderr.waitForEnd(seconds: grace.timeIntervalSinceNow)
        let signal = status & 0x7F
        let ended = Termination(status: signal == 0 ? (status >> 8) & 0xFF : 128 + signal, timedOut: timedOut)
        termination = ended
        return ended
    }

    /// Runs a program to its end with `input` on stdin.
    public static func run(_ path: String, _ arguments: [String], environment: [String: String], directory: String? = nil,
                           input: [UInt8] = [], seconds: Double = 120) throws -> ProcessResult {
        let child = try ChildProcess(path, arguments, environment: environment, directory: directory)
        // A program that exits without reading all of its input is not an error here: the
        // test judges its status and output.
        if !input.isEmpty { try? child.send(input, seconds: seconds) }
        let ended = child.wait(seconds: seconds)
        var errors = child.stderr.text
        if ended.timedOut { errors += "\n[killed by the test after \(seconds) s: \(path) did not exit]\n" }
        return ProcessResult(stdout: child.stdout.text, stderr: errors, status: ended.timedOut ? -1 : ended.status)
    }

    // MARK: - Plumbing

    /// Writing to a program that has exited must be an error to handle, not a signal that
    /// ends the test process; children get default signal handling back.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not show.
    private static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    /// glibc 2.29's `posix_spawn_file_actions_addchdir_np`, likewise.
    private static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")

    private static func symbol<T>(_ name: String) -> T? {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: T.self)
    }

    /// A pipe whose ends are closed on exec in this process.
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// Reads the program's stdout and stderr into their streams until both end.
    private static func pump(_ streams: [(Int32, StreamText)]) {
        var open = streams
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0.0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 || errno == EINTR else { break }
            for (index, fd) in fds.enumerated().reversed() where fd.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(fd.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    open[index].1.append(Data(buffer[0..<count]))
                } else if count == 0 || errno != EINTR && errno != EAGAIN {
                    close(fd.fd)
                    open[index].1.finish()
                    open.remove(at: index)
                }
            }
        }
        open.forEach { close($0.0); $0.1.finish() }
    }
}

/// What a process has written to one stream so far; a test waits on it without polling.
public final class StreamText: @unchecked Sendable {
    // Written by one reading thread and read by the test's: every access holds `condition`,
    // which also wakes the waiting test at each new chunk.
    private let condition = NSCondition()
    private var data = Data()
    private var ended = false

    public init() {}

    func append(_ chunk: Data) {
        condition.lock()
        data.append(chunk)
        condition.broadcast()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    /// Everything written so far, as UTF-8 text.
    public var text: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits until `satisfied` holds for the text so far, the stream ends, or `seconds` pass.
    /// - Returns: whether `satisfied` held.
    public func wait(seconds: Double, until satisfied: (String) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            let text = String(decoding: data, as: UTF8.self)
            if satisfied(text) { return true }
            if ended || !condition.wait(until: deadline) { return satisfied(String(decoding: data, as: UTF8.self)) }
        }
    }

    /// Waits until the stream ends or `seconds` pass; whether it ended.
    public func waitForEnd(seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !ended {
            if !condition.wait(until: deadline) { return ended }
        }
        return true
    }
}
