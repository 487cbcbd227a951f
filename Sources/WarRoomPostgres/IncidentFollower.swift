import WarRoomKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Delays between reconnection attempts: doubling from `first` up to `limit`.
public struct ReconnectBackoff: Sendable {
    public let first: Double
    public let limit: Double
    /// The delay the next `pause()` waits.
    public private(set) var delay: Double

    public init(first: Double = 0.1, limit: Double = 5) {
        self.first = first
        self.limit = limit
        delay = first
    }

    /// Waits the current delay and doubles it (up to the limit).
    public mutating func pause() {
        usleep(useconds_t(delay * 1_000_000))
        delay = min(limit, delay * 2)
    }

    /// Back to the first delay (after a success).
    public mutating func reset() {
        delay = first
    }
}

/// Follows an incident as others record it: LISTEN/NOTIFY wakes it, and on every wake, every
/// quiet interval and every reconnect it fetches the entries after the last `seq` it has, so a
/// notification lost with a connection loses nothing. Survives the server restarting.
///
///     let follower = try IncidentFollower(url: url, incident: id)
///     while true {
///         for event in try follower.next(waitingUpTo: 5) { … }
///     }
public final class IncidentFollower {
    /// What happened while waiting.
    public enum Event: Equatable {
        /// Entries recorded after the last one seen, in order.
        case entries([TranscriptEntry])
        /// The connection broke (said once per outage); reconnecting.
        case lost(String)
        /// Connected again after `seconds` without the store.
        case reconnected(seconds: Double)
    }

    public let store: PostgresTranscriptStore
    /// The last `seq` handed out.
    public private(set) var lastSeq: Int
    private var connected = true
    private var caughtUp = false
    private var backoff = ReconnectBackoff()
    private var lostAt: Double = 0

    /// Connects, checks the schema and the incident, and listens for its appends.
    /// - Parameters:
    ///   - url: the store.
    ///   - incident: the incident's id.
    ///   - seq: entries after this one are news (0: all of them).
    /// - Throws: `PostgresStoreError` when the first connection fails: a typo is reported at
    ///   once, not retried for ever.
    public init(url: ConnectionString, incident: String, after seq: Int = 0) throws {
        store = try PostgresTranscriptStore.open(url: url, incident: incident, readOnly: true)
        try store.listen()
        lastSeq = seq
    }

    /// Waits up to `seconds` for news and returns what happened (possibly nothing). While the
    /// store is unreachable it retries with a growing delay (100 ms to 5 s).
    /// - Throws: what is not a lost connection (a schema problem, a corrupt row).
    public func next(waitingUpTo seconds: Double) throws -> [Event] {
        if !connected {
            backoff.pause()
            do {
                try store.reconnect()
            } catch TranscriptError.unreachable {
                return []
            } catch let error as PostgresStoreError where error.isUnreachable {
                return []
            }
            connected = true
            backoff.reset()
            var events: [Event] = [.reconnected(seconds: Self.monotonic() - lostAt)]
            events += try fetch()
            return events
        }
        if !caughtUp {
            // What was recorded before this follower listened: fetched at once, not after
            // the first wait.
            caughtUp = true
            return try fetch()
        }
        do {
            _ = try store.waitForChange(seconds: seconds)
        } catch PostgresStoreError.connectionLost(_, let message) {
            return lose(message)
        }
        return try fetch()
    }

    private func lose(_ message: String) -> [Event] {
        connected = false
        lostAt = Self.monotonic()
        return [.lost(message)]
    }

    /// The entries after `lastSeq`.
    private func fetch() throws -> [Event] {
        let fresh: [TranscriptEntry]
        do {
            fresh = try store.entries(after: lastSeq)
        } catch TranscriptError.unreachable(_, let message) {
            return lose(message)
        }
        guard let last = fresh.last else { return [] }
        lastSeq = last.seq
        return [.entries(fresh)]
    }

    static func monotonic() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
