import WarRoomKit

/// warroom's tables in PostgreSQL (schema `warroom`), their version, and `warroom store init`.
///
/// The schema carries a version in `warroom.schema_version`. `store init` creates it or
/// upgrades it one migration at a time, in one transaction; every other command checks the
/// version first and refuses a schema newer than it understands (docs/STORE.md).
public enum PostgresSchema {
    /// The schema version this warroom writes and reads.
    public static let version = 2

    /// The group roles `store init` creates (when allowed) and grants to.
    public static let writerRole = "warroom_writer"
    public static let readerRole = "warroom_reader"

    /// Migration `n` (0-based) brings the schema from version `n` to `n + 1`.
    static let migrations: [String] = [version1, version2]

    /// What `store init` did.
    public struct InitReport: Sendable, Equatable {
        /// The version found (nil: there was no schema).
        public var previous: Int?
        /// The version now.
        public var current: Int
        /// Roles created by this run.
        public var createdRoles: [String]
        /// Why grants could not be made, when they could not (the schema is still usable by
        /// its owner).
        public var grantProblem: String?
    }

    /// Creates or upgrades the schema, then makes sure the writer and reader roles exist and
    /// hold their grants. Safe to run again: an up-to-date schema is left as it is.
    /// - Parameter url: the database.
    /// - Returns: what was found and done.
    /// - Throws: `PostgresStoreError` (`schemaTooNew` when a newer warroom made the schema,
    ///   `notUTF8` when the database cannot keep lines byte for byte).
    public static func initialize(url: ConnectionString) throws -> InitReport {
        let connection = try PostgresConnection(url: url)
        defer { connection.close() }
        let encoding = connection.parameter("server_encoding") ?? "unknown"
        guard encoding == "UTF8" else { throw PostgresStoreError.notUTF8(target: connection.target, encoding: encoding) }
        let (previous, current) = try migrate(connection, migrations: migrations)
        var report = InitReport(previous: previous, current: current, createdRoles: [], grantProblem: nil)
        try grantRoles(connection, report: &report)
        return report
    }

    /// Applies the migrations after the version found, in one transaction under an advisory
    /// lock (two `store init` at once run one after the other).
    /// - Returns: the version found (nil for none) and the version now.
    static func migrate(_ connection: PostgresConnection, migrations: [String]) throws -> (previous: Int?, current: Int) {
        try connection.transaction {
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext('warroom schema'))")
            let found = try installedVersion(connection)
            let from = found ?? 0
            if from > migrations.count {
                throw PostgresStoreError.schemaTooNew(target: connection.target, found: from, supported: migrations.count)
            }
            if from == migrations.count { return (found, from) }
            for index in from..<migrations.count {
                try connection.executeScript(migrations[index])
            }
            try connection.execute("""
                INSERT INTO warroom.schema_version (only_row, version, program) VALUES (true, $1, $2)
                ON CONFLICT (only_row) DO UPDATE SET version = EXCLUDED.version, program = EXCLUDED.program, changed_at = now()
                """, [String(migrations.count), "warroom \(Session.programVersion)"])
            return (found, migrations.count)
        }
    }

    /// The version recorded in the database, nil when there is no warroom schema.
    static func installedVersion(_ connection: PostgresConnection) throws -> Int? {
        let table = try connection.execute("SELECT to_regclass('warroom.schema_version') IS NOT NULL")
        guard table.string(0, 0) == "t" else { return nil }
        let rows = try connection.execute("SELECT version FROM warroom.schema_version")
        return rows.count == 0 ? nil : rows.int(0, 0)
    }

    /// Refuses a database whose schema is missing, older or newer than this warroom's.
    /// - Throws: `PostgresStoreError.schemaMissing`, `.schemaTooOld`, `.schemaTooNew`.
    public static func check(_ connection: PostgresConnection) throws {
        guard let found = try installedVersion(connection) else { throw PostgresStoreError.schemaMissing(target: connection.target) }
        if found > version { throw PostgresStoreError.schemaTooNew(target: connection.target, found: found, supported: version) }
        if found < version { throw PostgresStoreError.schemaTooOld(target: connection.target, found: found, supported: version) }
    }

    /// Creates the group roles when missing (if this role may) and grants them their rights:
    /// the reader reads; the writer reads, inserts entries and moves an incident's head.
    static func grantRoles(_ connection: PostgresConnection, report: inout InitReport) throws {
        for role in [writerRole, readerRole] {
            let exists = try connection.execute("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]).count > 0
            if exists { continue }
            do {
                try connection.executeScript("CREATE ROLE \(role) NOLOGIN")
                report.createdRoles.append(role)
            } catch PostgresStoreError.statementFailed(_, let state, _) where state == "42710" || state == "23505" {
                // Created by another `store init` at the same moment (roles are server-wide).
                continue
            } catch PostgresStoreError.permissionDenied {
                report.grantProblem = "roles \(writerRole) and \(readerRole) do not exist and role '\(connection.role)' may not create them; have a superuser run 'CREATE ROLE \(writerRole) NOLOGIN; CREATE ROLE \(readerRole) NOLOGIN;' and run 'warroom store init' again"
                return
            }
        }
        do {
            try connection.executeScript("""
                GRANT USAGE ON SCHEMA warroom TO \(writerRole), \(readerRole);
                GRANT SELECT ON warroom.schema_version, warroom.incidents, warroom.entries TO \(writerRole), \(readerRole);
                GRANT EXECUTE ON FUNCTION warroom.append_entries(text, bigint, text, text[]),
                    warroom.append_command(text, bigint, text, text[], text),
                    warroom.open_incident(text, text, text), warroom.lock_room(text), warroom.unlock_room(text),
                    warroom.take_presence(text, integer), warroom.leave_presence(text, integer),
                    warroom.present_shells(text, bigint[]) TO \(writerRole);
                """)
        } catch PostgresStoreError.permissionDenied(_, _, let message) {
            report.grantProblem = "grants to \(writerRole) and \(readerRole) not made: \(message); run 'warroom store init' as the role that owns the schema"
        }
    }

    /// Version 1: incidents with their head, entries that are never updated or deleted.
    static let version1 = """
        CREATE SCHEMA IF NOT EXISTS warroom;

        CREATE TABLE warroom.schema_version (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            version integer NOT NULL,
            program text NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE warroom.incidents (
            id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$'),
            title text NOT NULL,
            opened_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            head_seq bigint NOT NULL CHECK (head_seq >= 0),
            head_hash text NOT NULL CHECK (head_hash ~ '^[0-9a-f]{64}$')
        );

        CREATE TABLE warroom.entries (
            incident text NOT NULL REFERENCES warroom.incidents (id),
            seq bigint NOT NULL CHECK (seq > 0),
            at timestamptz NOT NULL,
            wall timestamptz NOT NULL,
            by text NOT NULL,
            kind text NOT NULL,
            previous_hash text NOT NULL CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
            hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
            line text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (incident, seq)
        );

        COMMENT ON TABLE warroom.entries IS 'warroom transcript entries: line holds the JSONL line byte for byte (without its newline); append-only';
        COMMENT ON TABLE warroom.incidents IS 'one row per incident; head_seq/head_hash is the last entry, locked by every append';

        CREATE FUNCTION warroom.refuse_entry_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'warroom.entries is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'correct the record with amend or retract, which append';
        END
        $$;

        CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON warroom.entries
            FOR EACH ROW EXECUTE FUNCTION warroom.refuse_entry_change();
        CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON warroom.entries
            FOR EACH STATEMENT EXECUTE FUNCTION warroom.refuse_entry_change();

        CREATE FUNCTION warroom.guard_incident() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'UPDATE' THEN
                RAISE EXCEPTION 'warroom.incidents keeps every incident: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF NEW.id <> OLD.id OR NEW.title <> OLD.title OR NEW.opened_at <> OLD.opened_at
               OR NEW.created_at <> OLD.created_at THEN
                RAISE EXCEPTION 'warroom.incidents: only the head moves' USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF NEW.head_seq <= OLD.head_seq THEN
                RAISE EXCEPTION 'warroom.incidents: the head only moves forward (% to %)', OLD.head_seq, NEW.head_seq
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END
        $$;

        -- Appending: the only way a writer role adds entries (it has no INSERT or UPDATE on
        -- the tables). Runs as the schema's owner; checks every line before it goes in.
        CREATE FUNCTION warroom.append_entries(p_incident text, p_expected_seq bigint, p_expected_hash text, p_lines text[])
        RETURNS TABLE (recorded boolean, head_seq bigint, head_hash text)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            current_seq bigint;
            current_hash text;
            previous text;
            line text;
            entry jsonb;
            line_hash text;
            k integer;
        BEGIN
            -- Lock the incident's head row: appends to one incident run one after the other.
            SELECT inc.head_seq, inc.head_hash INTO current_seq, current_hash
                FROM warroom.incidents AS inc WHERE inc.id = p_incident FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'no incident %', p_incident USING ERRCODE = 'no_data_found';
            END IF;
            IF current_seq <> p_expected_seq OR current_hash <> p_expected_hash THEN
                -- Someone else recorded first: nothing is written.
                RETURN QUERY SELECT false, current_seq, current_hash;
                RETURN;
            END IF;
            previous := current_hash;
            FOR k IN 1 .. coalesce(array_length(p_lines, 1), 0) LOOP
                line := p_lines[k];
                IF NOT starts_with(line, '{"seq":' || (current_seq + k) || ',') THEN
                    RAISE EXCEPTION 'line % is not entry %', k, current_seq + k USING ERRCODE = 'check_violation';
                END IF;
                line_hash := substr(right(line, 66), 1, 64);
                IF right(line, 75) <> ',"hash":"' || line_hash || '"}'
                   OR encode(sha256(convert_to(previous || chr(10) || left(line, -75) || '}', 'UTF8')), 'hex') <> line_hash THEN
                    RAISE EXCEPTION 'entry % does not continue the chain', current_seq + k USING ERRCODE = 'check_violation';
                END IF;
                entry := line::jsonb;
                INSERT INTO warroom.entries (incident, seq, at, wall, by, kind, previous_hash, hash, line)
                    VALUES (p_incident, current_seq + k, (entry->>'at')::timestamptz, (entry->>'wall')::timestamptz,
                            entry->>'by', entry->>'kind', previous, line_hash, line);
                previous := line_hash;
                current_hash := line_hash;
            END LOOP;
            k := coalesce(array_length(p_lines, 1), 0);
            IF k > 0 THEN
                UPDATE warroom.incidents SET head_seq = current_seq + k, head_hash = previous WHERE id = p_incident;
                PERFORM pg_notify('warroom:' || left(p_incident, 55), (current_seq + k)::text);
            END IF;
            RETURN QUERY SELECT true, current_seq + k, previous;
        END
        $$;

        -- Opening an incident: its row with an empty head, then its first entry.
        CREATE FUNCTION warroom.open_incident(p_incident text, p_title text, p_line text)
        RETURNS boolean
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            INSERT INTO warroom.incidents (id, title, opened_at, head_seq, head_hash)
                VALUES (p_incident, p_title, (p_line::jsonb->>'at')::timestamptz, 0, repeat('0', 64))
                ON CONFLICT (id) DO NOTHING;
            IF NOT FOUND THEN
                RETURN false;
            END IF;
            PERFORM warroom.append_entries(p_incident, 0, repeat('0', 64), ARRAY[p_line]);
            RETURN true;
        END
        $$;

        REVOKE ALL ON FUNCTION warroom.append_entries(text, bigint, text, text[]), warroom.open_incident(text, text, text) FROM PUBLIC;

        CREATE TRIGGER incidents_guard BEFORE UPDATE OR DELETE ON warroom.incidents
            FOR EACH ROW EXECUTE FUNCTION warroom.guard_incident();
        CREATE TRIGGER incidents_no_truncate BEFORE TRUNCATE ON warroom.incidents
            FOR EACH STATEMENT EXECUTE FUNCTION warroom.guard_incident();
        """

    /// Version 2: who appended each row (the database's login, set by the append function, so
    /// no client can choose it), and the id of the command that recorded it, so that a command
    /// whose commit was lost in flight is found by its id and never recorded twice.
    static let version2 = """
        ALTER TABLE warroom.entries ADD COLUMN login text;
        ALTER TABLE warroom.entries ADD COLUMN command_id text
            CHECK (command_id IS NULL OR command_id ~ '^[0-9A-Za-z-]{8,64}$');
        CREATE INDEX entries_by_command ON warroom.entries (incident, command_id) WHERE command_id IS NOT NULL;
        COMMENT ON COLUMN warroom.entries.login IS 'the login (session_user) that appended the row, set by warroom.append_command; NULL for rows from schema version 1';
        COMMENT ON COLUMN warroom.entries.command_id IS 'the id the shell gave the command that recorded the row: a retry with the same id records nothing again';

        -- Appending one command's entries: as append_entries, and exactly once per command id.
        -- A command whose entries are in already (its commit was lost in flight, the shell
        -- asks again) gets them back with already = true; nothing is written twice.
        CREATE FUNCTION warroom.append_command(p_incident text, p_expected_seq bigint, p_expected_hash text, p_lines text[], p_command text)
        RETURNS TABLE (recorded boolean, head_seq bigint, head_hash text, first_seq bigint, already boolean)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            current_seq bigint;
            current_hash text;
            previous text;
            line text;
            entry jsonb;
            line_hash text;
            k integer;
            found_first bigint;
            found_last bigint;
        BEGIN
            -- Lock the incident's head row: appends to one incident run one after the other.
            SELECT inc.head_seq, inc.head_hash INTO current_seq, current_hash
                FROM warroom.incidents AS inc WHERE inc.id = p_incident FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'no incident %', p_incident USING ERRCODE = 'no_data_found';
            END IF;
            IF p_command IS NOT NULL THEN
                SELECT min(e.seq), max(e.seq) INTO found_first, found_last
                    FROM warroom.entries AS e WHERE e.incident = p_incident AND e.command_id = p_command;
                IF found_first IS NOT NULL THEN
                    RETURN QUERY SELECT true, found_last, (SELECT e.hash FROM warroom.entries AS e
                        WHERE e.incident = p_incident AND e.seq = found_last), found_first, true;
                    RETURN;
                END IF;
            END IF;
            IF current_seq <> p_expected_seq OR current_hash <> p_expected_hash THEN
                -- Someone else recorded first: nothing is written.
                RETURN QUERY SELECT false, current_seq, current_hash, NULL::bigint, false;
                RETURN;
            END IF;
            previous := current_hash;
            FOR k IN 1 .. coalesce(array_length(p_lines, 1), 0) LOOP
                line := p_lines[k];
                IF NOT starts_with(line, '{"seq":' || (current_seq + k) || ',') THEN
                    RAISE EXCEPTION 'line % is not entry %', k, current_seq + k USING ERRCODE = 'check_violation';
                END IF;
                line_hash := substr(right(line, 66), 1, 64);
                IF right(line, 75) <> ',"hash":"' || line_hash || '"}'
                   OR encode(sha256(convert_to(previous || chr(10) || left(line, -75) || '}', 'UTF8')), 'hex') <> line_hash THEN
                    RAISE EXCEPTION 'entry % does not continue the chain', current_seq + k USING ERRCODE = 'check_violation';
                END IF;
                -- Parsed only for its envelope: the line stays text, byte for byte, so a NUL in a
                -- note (JSON's \\u0000, which jsonb refuses) is kept as a file keeps it.
                entry := replace(line, '\\u0000', '\\ufffd')::jsonb;
                -- One set of rules for a valid entry, warroom's reader's: what the database takes,
                -- every warroom reads; what warroom refuses, the database refuses.
                IF jsonb_typeof(entry->'at') IS DISTINCT FROM 'string' OR jsonb_typeof(entry->'wall') IS DISTINCT FROM 'string'
                   OR jsonb_typeof(entry->'by') IS DISTINCT FROM 'string' OR jsonb_typeof(entry->'kind') IS DISTINCT FROM 'string'
                   OR entry->>'kind' = '' THEN
                    RAISE EXCEPTION 'entry %: at, wall, by and kind must be strings, and kind not empty', current_seq + k
                        USING ERRCODE = 'check_violation';
                END IF;
                IF (entry->>'at') !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$'
                   OR (entry->>'wall') !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$'
                   OR left(entry->>'at', 4) < '1970' OR left(entry->>'wall', 4) < '1970' THEN
                    RAISE EXCEPTION 'entry %: at and wall must be times as warroom writes them (YYYY-MM-DDTHH:MM:SS.mmmZ, 1970-9999)', current_seq + k
                        USING ERRCODE = 'check_violation';
                END IF;
                IF (current_seq + k = 1) <> (entry->>'kind' = 'open') THEN
                    RAISE EXCEPTION 'entry %: the first entry, and only the first, is the open entry', current_seq + k
                        USING ERRCODE = 'check_violation';
                END IF;
                IF entry->>'kind' = 'open' AND (entry->'data'->>'incident') IS DISTINCT FROM p_incident THEN
                    RAISE EXCEPTION 'entry 1: the open entry names incident % and not %', entry->'data'->>'incident', p_incident
                        USING ERRCODE = 'check_violation';
                END IF;
                INSERT INTO warroom.entries (incident, seq, at, wall, by, kind, previous_hash, hash, line, login, command_id)
                    VALUES (p_incident, current_seq + k, (entry->>'at')::timestamptz, (entry->>'wall')::timestamptz,
                            entry->>'by', entry->>'kind', previous, line_hash, line, session_user, p_command);
                previous := line_hash;
                current_hash := line_hash;
            END LOOP;
            k := coalesce(array_length(p_lines, 1), 0);
            IF k > 0 THEN
                UPDATE warroom.incidents SET head_seq = current_seq + k, head_hash = previous WHERE id = p_incident;
                PERFORM pg_notify('warroom:' || left(p_incident, 55), (current_seq + k)::text);
            END IF;
            RETURN QUERY SELECT true, current_seq + k, previous, current_seq + 1, false;
        END
        $$;

        -- The version-1 call, without a command id (and now with the login recorded).
        CREATE OR REPLACE FUNCTION warroom.append_entries(p_incident text, p_expected_seq bigint, p_expected_hash text, p_lines text[])
        RETURNS TABLE (recorded boolean, head_seq bigint, head_hash text)
        LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT a.recorded, a.head_seq, a.head_hash FROM warroom.append_command(p_incident, p_expected_seq, p_expected_hash, p_lines, NULL) AS a
        $$;

        REVOKE ALL ON FUNCTION warroom.append_command(text, bigint, text, text[], text) FROM PUBLIC;

        -- The room's write lock and presence are advisory locks keyed with a secret only the
        -- schema's owner can read, taken through functions only warroom_writer may run: a
        -- login outside warroom's roles, or a reader, cannot hold a room's lock.
        CREATE TABLE warroom.room_secret (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            secret text NOT NULL
        );
        REVOKE ALL ON warroom.room_secret FROM PUBLIC;
        INSERT INTO warroom.room_secret (secret) VALUES (md5(random()::text || clock_timestamp()::text || pg_backend_pid()::text));

        CREATE FUNCTION warroom.room_lock_key(p_incident text) RETURNS integer
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT hashtext('warroom room ' || p_incident || ' ' || (SELECT secret FROM warroom.room_secret))
        $$;
        CREATE FUNCTION warroom.lock_room(p_incident text) RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT pg_advisory_lock(warroom.room_lock_key(p_incident), 0)
        $$;
        CREATE FUNCTION warroom.unlock_room(p_incident text) RETURNS boolean
        LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT pg_advisory_unlock(warroom.room_lock_key(p_incident), 0)
        $$;
        CREATE FUNCTION warroom.take_presence(p_incident text, p_shell integer) RETURNS boolean
        LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT CASE WHEN p_shell > 0 THEN pg_try_advisory_lock(warroom.room_lock_key(p_incident), p_shell) ELSE false END
        $$;
        CREATE FUNCTION warroom.leave_presence(p_incident text, p_shell integer) RETURNS boolean
        LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT pg_advisory_unlock(warroom.room_lock_key(p_incident), p_shell)
        $$;
        CREATE FUNCTION warroom.present_shells(p_incident text, p_shells bigint[]) RETURNS SETOF bigint
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT objid::bigint FROM pg_catalog.pg_locks
            WHERE locktype = 'advisory' AND granted AND objsubid = 2
              AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
              AND classid::bigint = (warroom.room_lock_key(p_incident)::bigint & 4294967295)
              AND objid::bigint = ANY (p_shells)
        $$;
        REVOKE ALL ON FUNCTION warroom.room_lock_key(text), warroom.lock_room(text), warroom.unlock_room(text),
            warroom.take_presence(text, integer), warroom.leave_presence(text, integer), warroom.present_shells(text, bigint[]) FROM PUBLIC;
        """
}
