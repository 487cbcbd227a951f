import WarRoomKit

/// `warroom intake --store URL`: incidents opened from alert groups live in a PostgreSQL
/// store, where responders `join` them; a group's incidents are found by their `open` entry's
/// `alert_group.key`. Appends go in beside the shells' (the store orders them).
public final class PostgresAlertDestination: AlertDestination {
    public let url: ConnectionString
    public var provider: any IncidentStoreProvider { PostgresIncidentProvider(url: url) }
    public var label: String { url.description }
    private var connection: PostgresConnection?

    public init(url: ConnectionString) {
        self.url = url
    }

    deinit { connection?.close() }

    public func incidents(group: String) throws -> [String] {
        do {
            let connection = try self.connection ?? PostgresConnection(url: url)
            self.connection = connection
            let rows = try connection.execute(
                "SELECT incident FROM warroom.entries WHERE seq = 1 AND kind = 'open' AND (line::jsonb) -> 'data' -> 'alert_group' ->> 'key' = $1 ORDER BY incident",
                [group])
            return (0..<rows.count).compactMap { rows.string($0, 0) }
        } catch {
            // A connection that failed is opened again for the next notification.
            connection?.close()
            connection = nil
            throw TranscriptError.writeFailed(path: url.description, reason: "\(error)")
        }
    }

    public func open(incident: String) throws -> any TranscriptStore {
        try PostgresTranscriptStore.open(url: url, incident: incident)
    }
}
