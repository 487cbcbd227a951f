/// Where real time comes from. The CLI supplies the system's clocks; tests supply fixed ones,
/// so the library never reads the wall clock itself.
public struct TimeSource: Sendable {
    /// Real (wall-clock) time now.
    public var wallNow: @Sendable () -> Instant
    /// A monotonic reading in seconds, for measuring elapsed real time.
    public var monotonicSeconds: @Sendable () -> Double

    public init(wallNow: @escaping @Sendable () -> Instant, monotonicSeconds: @escaping @Sendable () -> Double) {
        self.wallNow = wallNow
        self.monotonicSeconds = monotonicSeconds
    }

    /// A source frozen at `instant` (for tests and for `--speed 0` determinism checks).
    public static func fixed(_ instant: Instant) -> TimeSource {
        TimeSource(wallNow: { instant }, monotonicSeconds: { 0 })
    }
}

/// How the incident clock runs.
public enum ClockMode: String, Sendable, CaseIterable {
    /// Real time.
    case wall
    /// Simulated time: starts at a chosen instant and runs at `speed` simulated seconds per real
    /// second; with speed 0 it moves only on `advance`.
    case virtual
}

/// Errors from moving the clock.
public enum ClockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `advance` on a wall clock.
    case notVirtual
    /// A negative or zero advance.
    case notForward(milliseconds: Int64)
    /// An advance past the last time the clock may show (a drill's end, or the year 9999).
    case pastLimit(Instant)

    public var description: String {
        switch self {
        case .notVirtual:
            return "advance works only on a virtual clock; this incident runs on the wall clock (start it with --clock virtual for a drill)"
        case .notForward(let ms):
            return "advance needs a positive duration, not \(DurationText.format(milliseconds: ms)) (e.g. advance 5m)"
        case .pastLimit(let limit):
            return "the incident clock stops at \(limit.iso8601Seconds) and cannot be advanced past it; close the incident, or start a new one"
        }
    }
}

/// The incident clock: wall time, or a virtual clock for drills.
public final class IncidentClock {
    public let mode: ClockMode
    /// Simulated seconds per real second (virtual mode); a drill's facilitator changes it for
    /// the room (`clock pause|resume|speed X`).
    public private(set) var speed: Double
    /// The last time the clock shows: it stops there. A drill's end (its simulation runs at most
    /// `SimulatedTarget.longestDrill`), else `Bounds.latest`, so that however fast a virtual clock
    /// runs, every time it gives can be written to the transcript and read back.
    public var limit: Instant
    /// Real time, also for what samples a real load balancer in the background.
    let source: TimeSource
    private var base: Instant
    private var realBase: Double

    /// - Parameters:
    ///   - mode: wall or virtual.
    ///   - start: where a virtual clock starts (ignored for wall).
    ///   - speed: simulated seconds per real second (virtual), within `Bounds.speed`.
    ///   - source: real time.
    ///   - limit: the last time the clock shows.
    public init(mode: ClockMode, start: Instant, speed: Double, source: TimeSource, limit: Instant = Bounds.latest) {
        self.mode = mode
        self.speed = speed
        self.source = source
        self.limit = limit
        base = min(start, limit)
        realBase = source.monotonicSeconds()
    }

    /// The incident clock's time now (never past `limit`).
    public var now: Instant {
        switch mode {
        case .wall:
            return min(source.wallNow(), limit)
        case .virtual:
            guard speed > 0 else { return min(base, limit) }
            let elapsed = max(0, source.monotonicSeconds() - realBase) * speed * 1000
            // Compared as doubles first: however long the process runs, the sum cannot overflow.
            guard elapsed < Double(limit - base) else { return limit }
            return base + Int64(elapsed.rounded(.down))
        }
    }

    /// Real time now, for the transcript's `wall` field.
    public var wallNow: Instant { source.wallNow() }

    /// A monotonic reading in seconds (for delays that real time measures, not the incident's).
    public var monotonicSeconds: Double { source.monotonicSeconds() }

    /// Moves a virtual clock forward.
    /// - Throws: `ClockError` on a wall clock or a non-positive duration.
    public func advance(by milliseconds: Int64) throws {
        guard mode == .virtual else { throw ClockError.notVirtual }
        guard milliseconds > 0 else { throw ClockError.notForward(milliseconds: milliseconds) }
        guard let next = Bounds.adding(milliseconds, to: now), next <= limit else { throw ClockError.pastLimit(limit) }
        base = next
        realBase = source.monotonicSeconds()
    }

    /// Sets a virtual clock to `instant` if that is later than now (used when resuming, so the
    /// clock never runs backwards past what the transcript already holds).
    public func catchUp(to instant: Instant) {
        guard mode == .virtual, instant > now else { return }
        base = min(instant, limit)
        realBase = source.monotonicSeconds()
    }

    /// Runs on from now at another speed (0 stops it until `advance` or another speed).
    public func setSpeed(_ newSpeed: Double) {
        guard mode == .virtual, newSpeed != speed else { return }
        base = now
        realBase = source.monotonicSeconds()
        speed = newSpeed
    }

    /// Runs a virtual clock at `speed` from where the room's clock was at a known real time
    /// (the drill's start when it opened, or the last `advance`), as real time now says: every
    /// shell of a room whose real time is the same (the database server's) reads the same
    /// incident time, whenever it joined. Never moves the clock back.
    /// - Parameter anchor: the incident time `at` that the clock read at real time `wall`.
    public func follow(anchor: (at: Instant, wall: Instant)) {
        guard mode == .virtual, speed > 0 else { return }
        let elapsed = Double(source.wallNow() - anchor.wall) * speed
        catchUp(to: anchor.at + Int64(elapsed.rounded(.down)))
    }
}
