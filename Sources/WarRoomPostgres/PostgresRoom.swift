import WarRoomKit

/// `start --store`: new incidents open in a PostgreSQL store, each with the id `start` gives it
/// (its start time and title), or `-2`, `-3` … when another incident in the store has it.
public struct PostgresIncidentProvider: IncidentStoreProvider {
    public let url: ConnectionString

    public init(url: ConnectionString) {
        self.url = url
    }

    public func create(id: String, opening: (String) -> TranscriptEntry) throws -> (store: any TranscriptStore, entry: TranscriptEntry) {
        var candidate = id
        var counter = 2
        while true {
            do {
                let (store, entry) = try PostgresTranscriptStore.create(url: url, opening: opening(candidate))
                return (store, entry)
            } catch PostgresStoreError.incidentExists {
                candidate = "\(id)-\(counter)"
                counter += 1
            }
        }
    }
}

/// Real time as the database server keeps it, so that every shell of a room reads the same
/// time whatever its own machine's clock says: the `at` and `wall` of a wall-clock incident,
/// and a drill's virtual clock at `--speed` above 0.
public enum DatabaseClock {
    /// The server's time measured once (the best of a few round trips, taken at their middle)
    /// and carried on by this machine's monotonic clock, which is not moved by NTP steps or a
    /// wrong date on this machine.
    public struct Measurement: Sendable {
        /// The server's time, in milliseconds since 1970, at `monotonic`.
        public var serverMilliseconds: Int64
        /// This machine's monotonic reading (seconds) at the same moment.
        public var monotonic: Double
        /// Half the shortest round trip: how far off the measurement can be.
        public var uncertainty: Double
        /// The server's time minus this machine's wall clock, in seconds (for messages).
        public var offset: Double
    }

    /// Measures the server's time over `connection`.
    /// - Parameters:
    ///   - connection: a connection to the store.
    ///   - local: this machine's clocks (its wall clock only to report the offset).
    /// - Returns: the measurement.
    /// - Throws: `PostgresStoreError`.
    public static func measure(_ connection: PostgresConnection, local: TimeSource) throws -> Measurement {
        var best: Measurement?
        for _ in 0..<3 {
            let before = local.monotonicSeconds()
            let rows = try connection.execute("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")
            let after = local.monotonicSeconds()
            let wall = local.wallNow()
            guard let server = rows.string(0, 0).flatMap({ Int64($0) }) else { continue }
            let middle = (before + after) / 2
            let serverNow = server + Int64(((after - middle) * 1000).rounded())
            let sample = Measurement(serverMilliseconds: server, monotonic: middle, uncertainty: (after - before) / 2,
                                     offset: Double(serverNow - wall.milliseconds) / 1000)
            if best.map({ sample.uncertainty < $0.uncertainty }) ?? true { best = sample }
        }
        guard let best else {
            throw PostgresStoreError.statementFailed(target: connection.target, sqlState: "", message: "the server did not say what time it is")
        }
        return best
    }

    /// A time source that reads the server's time: the measurement carried on by `local`'s
    /// monotonic clock.
    public static func source(_ measurement: Measurement, local: TimeSource) -> TimeSource {
        let monotonic = local.monotonicSeconds
        return TimeSource(
            wallNow: { Instant(milliseconds: measurement.serverMilliseconds + Int64(((monotonic() - measurement.monotonic) * 1000).rounded(.down))) },
            monotonicSeconds: monotonic)
    }
}
