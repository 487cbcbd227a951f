import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads HAProxy's `show stat` for the watched backend (and the frontend in front of it) at a
/// fixed interval into a bounded 30-minute history, so that every rate a probe prints covers a
/// stated window whatever the responders typed before it.
///
/// Readings are taken on a thread of the sampler's own once `start(source:)` is called, and by
/// probes themselves (`sample(at:)`, so a window ends at the probe's time). Time comes only from
/// the injected `TimeSource`: its monotonic clock paces the thread and its wall clock stamps the
/// readings (a session on HAProxy runs its incident clock on that same wall clock). The thread
/// waits in `poll` on a pipe that `stop()` writes to, so it ends at once.
public final class HAProxySampler: @unchecked Sendable {
    // @unchecked Sendable: the sampler's thread and the session's share it. Every mutable member
    // is read and written only with `lock` held; `client` is an immutable value.
    private let lock = NSLock()
    private let client: HAProxyClient
    /// Milliseconds between the thread's readings.
    public let intervalMilliseconds: Int64
    private var history: HAProxyStatHistory
    private var backend: String?
    private var frontend: String?
    private var started = false
    private var stopped = false
    private var wake: (read: Int32, write: Int32) = (-1, -1)
    /// Per server, the last two readings between which its weight or administrative state changed.
    private var changeSeen: [String: (before: Instant, after: Instant)] = [:]

    /// - Parameters:
    ///   - client: how to reach HAProxy (its own connection per reading).
    ///   - intervalMilliseconds: between readings: 1 s, or 2 s for backends of more than 100
    ///     servers (which keeps the history near 40 bytes × servers × 900).
    public init(client: HAProxyClient, intervalMilliseconds: Int64 = 1000) {
        self.client = client
        self.intervalMilliseconds = intervalMilliseconds
        history = HAProxyStatHistory(intervalMilliseconds: intervalMilliseconds)
    }

    deinit {
        stop()
        if wake.read >= 0 { close(wake.read) }
        if wake.write >= 0 { close(wake.write) }
    }

    /// Which backend (and frontend) to read; until it is set, the thread reads nothing.
    public func watch(backend: String, frontend: String?) {
        lock.withLock {
            self.backend = backend
            self.frontend = frontend
        }
    }

    /// The frontend being read, if any.
    public var watchedFrontend: String? { lock.withLock { frontend } }

    /// Reads HAProxy once and adds the reading to the history.
    /// - Parameter at: the time to stamp it with.
    /// - Returns: the reading, or `nil` when no backend is being watched yet.
    /// - Throws: `HAProxyError` when HAProxy cannot be read.
    @discardableResult
    public func sample(at: Instant) throws(HAProxyError) -> HAProxyStatSample? {
        let (backend, frontend) = lock.withLock { (self.backend, self.frontend) }
        guard let backend else { return nil }
        let table = try client.showStat(proxy: backend, types: [.backends, .servers])
        let frontendRow = try frontend.flatMap { name throws(HAProxyError) in try client.showStat(proxy: name, types: .frontends).rows(of: .frontend, in: name).first }
        guard let sample = HAProxyStatSample(at: at, backend: backend, table: table, frontend: frontendRow) else { return nil }
        lock.withLock {
            if let previous = history.latest, previous.serverNames == sample.serverNames {
                for (i, name) in sample.serverNames.enumerated() {
                    let old = previous.servers[i]
                    let new = sample.servers[i]
                    if old.weight != new.weight || old.state.isAdministrative != new.state.isAdministrative || (old.state.isAdministrative && old.state != new.state) {
                        changeSeen[name] = (previous.at, sample.at)
                    }
                }
            }
            history.append(sample)
        }
        return sample
    }

    /// Reads from the history under the lock.
    public func withHistory<T>(_ body: (HAProxyStatHistory) -> T) -> T {
        lock.withLock { body(history) }
    }

    /// The last two readings between which `server`'s weight or administrative state changed.
    public func changeSeen(for server: String) -> (before: Instant, after: Instant)? {
        lock.withLock { changeSeen[server] }
    }

    // MARK: - The thread

    /// Starts reading every `intervalMilliseconds` on a thread of its own (once; later calls do nothing).
    /// - Parameter source: paces the readings (monotonic) and stamps them (wall).
    public func start(source: TimeSource) {
        let go: Bool = lock.withLock {
            guard !started, !stopped else { return false }
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { return false }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            wake = (fds[0], fds[1])
            started = true
            return true
        }
        guard go else { return }
        let thread = Thread { [self] in run(source: source) }
        thread.name = "warroom-haproxy-sampler"
        thread.start()
    }

    /// Ends the thread (it holds the sampler until then).
    public func stop() {
        let fd: Int32 = lock.withLock {
            stopped = true
            return wake.write
        }
        if fd >= 0 {
            var byte: UInt8 = 1
            _ = write(fd, &byte, 1)
        }
    }

    private func run(source: TimeSource) {
        let interval = Double(intervalMilliseconds) / 1000
        var next = source.monotonicSeconds()
        let fd = lock.withLock { wake.read }
        while !lock.withLock({ stopped }) {
            let now = source.monotonicSeconds()
            if now >= next {
                // A reading that fails (HAProxy restarting) is a gap in the history, not an error:
                // the probe that needs it reports the problem.
                _ = try? sample(at: source.wallNow())
                next += interval
                if next <= now { next = now + interval }
            }
            let wait = Int32(clamping: max(1, Int(((next - source.monotonicSeconds()) * 1000).rounded(.up))))
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&entry, 1, min(wait, Int32(intervalMilliseconds))) > 0 { break }
        }
    }
}
