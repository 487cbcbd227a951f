import Foundation
import WarRoomKit
import WarRoomPostgres

/// What `start --store` and `join` share: the database's time for the room's clock, what the
/// banner says about the room, and listening for the others when a person is at the keyboard.
enum RoomConnection {
    /// Real time as the database server keeps it, measured over `connection`.
    /// - Throws: `PostgresStoreError`.
    static func databaseTime(_ connection: PostgresConnection) throws -> TimeSource {
        let measurement = try DatabaseClock.measure(connection, local: SystemTime.source)
        return DatabaseClock.source(measurement, local: SystemTime.source)
    }

    /// Opens a short connection to check the schema and measure the server's time (`start`,
    /// before the incident exists).
    static func databaseTime(url: ConnectionString) throws -> TimeSource {
        let connection = try PostgresConnection(url: url)
        defer { connection.close() }
        try PostgresSchema.check(connection)
        return try databaseTime(connection)
    }

    /// At a terminal, the shell wakes when another shell records something (LISTEN); a piped
    /// script reads the others' entries before each command instead.
    static func listenIfInteractive(_ session: Session) throws {
        guard Terminal.stdinIsTerminal, let store = session.store as? PostgresTranscriptStore else { return }
        try store.listen()
    }

    /// The banner's lines about the room: where it is, who is in it, how others come in.
    static func banner(_ session: Session) -> [String] {
        guard let store = session.store as? PostgresTranscriptStore else { return [] }
        var lines = ["Store: \(session.state.id) in \(store.connection.target) — a shared room; others come in with: warroom join \(session.state.id)"]
        if let (present, _) = try? session.presence() {
            let names = present.map { $0.responder + ($0.roles.isEmpty ? "" : " (\($0.roles.joined(separator: ", ")))") + ($0.shells > 1 ? " ×\($0.shells)" : "") }
            lines.append("In the room: \(names.joined(separator: ", "))")
        }
        return lines
    }

    /// The folder `close` writes the export and the postmortem into: `--transcripts`, else the
    /// default (created when missing).
    static func localFolder(_ explicit: String?) throws -> String {
        let folder = explicit ?? Environment.transcriptsFolder
        var isFolder: ObjCBool = false
        if explicit == nil, !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw TranscriptError.notWritable(path: folder, reason: "cannot create the folder")
            }
        } else if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) || !isFolder.boolValue {
            throw TranscriptError.folderMissing(path: folder)
        }
        return folder
    }
}
