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

    public func incidents(group: String, fresh: Bool) throws -> [String] {
        if !fresh, let known = groups[group] { return known }
        do {
            let connection = try self.connection ?? PostgresConnection(url: url)
            self.connection = connection
            // The key as the line spells it, found as text (a line is never cast: one that JSON
            // could not take would fail every lookup), then checked by decoding the line.
            let rows = try connection.execute(
                "SELECT incident, line FROM warroom.entries WHERE seq = 1 AND kind = 'open' AND strpos(line, '\"alert_group\"') > 0 AND strpos(line, $1) > 0 ORDER BY at, incident",
                [JSONValue.string(group).serialized()])
            var found: [String] = []
            for row in 0..<rows.count {
                guard let id = rows.string(row, 0) else { continue }
                var bytes: [UInt8] = []
                rows.appendBytes(row, 1, to: &bytes)
                if let open = try? TranscriptEntry.decode(line: bytes, number: 1), open.data["alert_group"]?["key"]?.stringValue == group { found.append(id) }
            }
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
