/// What can go wrong with a PostgreSQL store; each message says what, where and what to do,
/// and never holds a password.
public enum PostgresStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libpq could not connect (server down, wrong host, authentication refused …).
    case connectFailed(target: String, message: String)
    /// The connection broke while talking to the server.
    case connectionLost(target: String, message: String)
    /// A statement failed on the server.
    case statementFailed(target: String, sqlState: String, message: String)
    /// The connected role lacks a privilege the command needs.
    case permissionDenied(target: String, role: String, message: String)
    /// The database has no warroom schema yet.
    case schemaMissing(target: String)
    /// The database's schema is older than this warroom's.
    case schemaTooOld(target: String, found: Int, supported: Int)
    /// The database's schema was made by a newer warroom.
    case schemaTooNew(target: String, found: Int, supported: Int)
    /// The database does not store text as UTF-8, so lines would not come back byte for byte.
    case notUTF8(target: String, encoding: String)
    /// No incident with this id in the store.
    case incidentMissing(target: String, id: String)
    /// An incident with this id is already in the store.
    case incidentExists(target: String, id: String)
    /// A row of the store is not what warroom wrote (a line that is not an entry, a head row
    /// that disagrees with the entries).
    case corrupt(target: String, id: String, seq: Int, reason: String)

    public var description: String {
        switch self {
        case .connectFailed(let target, let message):
            return "cannot connect to the store (\(target)): \(message); check the URL, the server and the credentials (PG* variables and ~/.pgpass work as for psql)"
        case .connectionLost(let target, let message):
            return "lost the connection to the store (\(target)): \(message); retry when the server is back"
        case .statementFailed(let target, let sqlState, let message):
            return "the store (\(target)) refused a statement: \(message) (SQLSTATE \(sqlState))"
        case .permissionDenied(let target, let role, let message):
            return "role '\(role)' may not do this in the store (\(target)): \(message); a read-only role can watch, export and compile the postmortem — writing needs the warroom_writer role (docs/STORE.md)"
        case .schemaMissing(let target):
            return "the database (\(target)) has no warroom schema; create it with 'warroom store init URL'"
        case .schemaTooOld(let target, let found, let supported):
            return "the store's schema (\(target)) is version \(found), older than this warroom's \(supported); upgrade it with 'warroom store init URL'"
        case .schemaTooNew(let target, let found, let supported):
            return "the store's schema (\(target)) is version \(found), newer than this warroom understands (\(supported)); use a newer warroom"
        case .notUTF8(let target, let encoding):
            return "the database (\(target)) stores text as \(encoding), not UTF8, so transcript lines would not come back byte for byte; create one with 'createdb -E UTF8 -T template0 NAME'"
        case .incidentMissing(let target, let id):
            return "no incident '\(id)' in the store (\(target)); 'warroom list --store URL' shows its incidents"
        case .incidentExists(let target, let id):
            return "incident '\(id)' is already in the store (\(target)); open it with 'warroom join \(id)' or choose another title"
        case .corrupt(let target, let id, let seq, let reason):
            return "incident '\(id)' in the store (\(target)), seq \(seq): \(reason); run 'warroom verify --store URL \(id)' for details"
        }
    }

    /// Whether the store could not be reached (as opposed to a refusal): the shell says so,
    /// refuses commands and reconnects.
    public var isUnreachable: Bool {
        switch self {
        case .connectFailed, .connectionLost: return true
        default: return false
        }
    }

    /// What libpq said, for `TranscriptError.unreachable` (never a password).
    var unreachableReason: String {
        switch self {
        case .connectFailed(_, let message), .connectionLost(_, let message): return message
        default: return description
        }
    }

    /// The process exit code (SPEC §2: 64 usage, 65 bad input, 74 I/O).
    public var exitCode: Int32 {
        switch self {
        case .corrupt: return 65
        default: return 74
        }
    }
}
