import WarRoomKit

/// `warroom intake --store URL`: incidents opened from alert groups live in a PostgreSQL
/// store, where responders `join` them; a group's incidents are found by their `open` entry's
/// `alert_group.key`. Appends go in beside the shells' (the store orders them).
///
/// A group's incidents are looked up once and kept (intake adds the ones it opens), and each
/// incident's connection is kept for the group's next notification (at most `keptStores`,
/// the least recently used let go first), so a notification costs one read of what is new
/// and one append.
public final class PostgresAlertDestination: AlertDestination {
    public let url: ConnectionString
    public var provider: any IncidentStoreProvider { PostgresIncidentProvider(url: url) }
    public var label: String { url.description }
    private var connection: PostgresConnection?
    private var groups: [String: [String]] = [:]
    private var stores: [String: (store: PostgresTranscriptStore, used: Int)] = [:]
    private var uses = 0
    static let keptStores = 64

    public init(url: ConnectionString) {
        self.url = url
    }

    deinit {
        connection?.close()
        for kept in stores.values { kept.store.close() }
    }

    public func incidents(group: String) throws -> [String] {
        if let known = groups[group] { return known }
        do {
            let connection = try self.connection ?? PostgresConnection(url: url)
            self.connection = connection
            let rows = try connection.execute(
                "SELECT incident FROM warroom.entries WHERE seq = 1 AND kind = 'open' AND (line::jsonb) -> 'data' -> 'alert_group' ->> 'key' = $1 ORDER BY at, incident",
                [group])
            let found = (0..<rows.count).compactMap { rows.string($0, 0) }
            groups[group] = found
            return found
        } catch {
            // A connection that failed is opened again for the next notification.
            connection?.close()
            connection = nil
            throw TranscriptError.writeFailed(path: url.description, reason: "\(error)")
        }
    }

    public func open(incident: String) throws -> any TranscriptStore {
        uses += 1
        if let kept = stores[incident] {
            stores[incident] = (kept.store, uses)
            return kept.store
        }
        let store = try PostgresTranscriptStore.open(url: url, incident: incident)
        stores[incident] = (store, uses)
        if stores.count > Self.keptStores, let oldest = stores.min(by: { $0.value.used < $1.value.used }) {
            oldest.value.store.close()
            stores[oldest.key] = nil
        }
        return store
    }

    public func release(_ store: any TranscriptStore, incident: String, failed: Bool) {
        guard failed else { return }
        // Opened again for the next notification, and the group looked up again.
        store.close()
        stores[incident] = nil
        groups = [:]
    }

    public func opened(_ incident: String, group: String) {
        groups[group, default: []].append(incident)
    }
}
