import ArgumentParser
import WarRoomKit
import WarRoomPostgres

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Manage a shared PostgreSQL store.",
        subcommands: [Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create or upgrade warroom's schema in a PostgreSQL database (safe to run again).",
            discussion: "URL is a libpq connection string or URI (postgresql://user@host/db, 'host=… dbname=…'); the PG* variables and ~/.pgpass apply as for psql. Creates the schema 'warroom' (or upgrades it, in one transaction), the group roles warroom_writer and warroom_reader when missing and allowed, and their grants. A schema made by a newer warroom is refused. See docs/STORE.md.")

        @Argument(help: "The database (default: $WARROOM_STORE).")
        var url: String?

        func run() throws {
            guard let given = TranscriptSource.storeURL(url) else {
                throw ValidationError("give the database: warroom store init URL (or set WARROOM_STORE)")
            }
            let connection = ConnectionString(given)
            let report: PostgresSchema.InitReport
            do {
                report = try PostgresSchema.initialize(url: connection)
            } catch {
                throw Failure.exit(error)
            }
            var lines: [String] = []
            switch report.previous {
            case nil: lines.append("Created warroom's schema (version \(report.current)) in \(connection).")
            case report.current?: lines.append("warroom's schema in \(connection) is up to date (version \(report.current)); nothing to do.")
            case let previous?: lines.append("Upgraded warroom's schema in \(connection) from version \(previous) to \(report.current).")
            }
            if !report.createdRoles.isEmpty { lines.append("Created roles \(report.createdRoles.joined(separator: ", ")) (NOLOGIN groups: grant them to login roles, see docs/STORE.md).") }
            Terminal.print(lines.joined(separator: "\n"))
            if let problem = report.grantProblem { Terminal.errorLine("warroom: warning: \(problem)") }
        }
    }
}
