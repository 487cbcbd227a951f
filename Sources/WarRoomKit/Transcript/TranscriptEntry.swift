/// What a transcript entry records.
public enum EntryKind: String, Sendable, CaseIterable, BitwiseCopyable {
    case open, note, command, probe, lb, milestone, phase, step, hypothesis, action, escalation, update, timer,
        shell, amend, retract, pause, resume, close, error
    /// `rootcause`, `trigger` and `impact` statements (`data.statement` says which).
    case statement
    /// A severity change.
    case severity
    /// Who is typing (`as NAME`) or who holds a role (`role ROLE NAME`).
    case role
    /// A monitoring alert rule firing or resolving (a drill's scenario rules), by `monitoring`.
    case alert
    /// `highlight SEQ [REASON]`: put an entry in the postmortem body's timeline.
    case highlight
    /// `omit SEQ REASON`: keep an entry out of the postmortem body's timeline.
    case omit
    /// A responder entered or left a shared room.
    case join, leave
    /// A notification to send (a page, a chat message, a webhook), recorded before its first
    /// attempt, in the same append as the command that caused it (docs/NOTIFY.md).
    case notify
    /// One attempt to deliver a notification, and what the receiver said.
    case delivery
    /// A drill facilitator's private line (`whisper`, `hint`): never shown to a responder
    /// (a hint only to the one it names), in `watch`, `timeline`, an export or the postmortem
    /// unless asked for with `--facilitator` (docs/DRILLS.md).
    case facilitatorOnly = "private"
    /// A drill facilitator's inject: a twist every shell in the room is shown at once.
    case inject
    /// A kind this version does not know (written by a newer warroom): read, kept and skipped.
    case unknown
}

extension EntryKind {
    private static let byName: [String: EntryKind] = Dictionary(uniqueKeysWithValues: allCases.filter { $0 != .unknown }.map { ($0.rawValue, $0) })

    /// The kind a line names, nil for one this version does not know (`unknown` included):
    /// a table lookup, which the decoder makes once per line.
    static func named(_ name: String) -> EntryKind? { byName[name] }
}

/// One line of the transcript: a timestamped, hash-chained record of something that happened.
///
/// Fields serialize in the order declared here, and `hash` is always last, so the hash
/// recipe can work on the raw bytes of a line (see `HashChain`).
public struct TranscriptEntry: Sendable, Equatable {
    /// 1, 2, 3 … with no gaps.
    public var seq: Int
    /// Incident-clock time when the entry was written.
    public var at: Instant
    /// Real time when the entry was written.
    public var wall: Instant
    /// The responder who caused it.
    public var by: String
    public var kind: EntryKind
    /// The playbook phase and step current when it was written.
    public var phase: String?
    public var step: String?
    /// The line as typed, where there was one.
    public var input: String?
    /// Human-readable result, without escape codes.
    public var text: String
    /// Structured result; an object.
    public var data: JSONObject
    /// SHA-256 chain hash, lowercase hex.
    public var hash: String
    /// The kind as written, when this version does not know it (`kind` is then `.unknown`).
    public var unknownKind: String?
    /// The database login that appended the entry, where the store keeps one (a shared room):
    /// the database's word for who typed it, beside `by`, which a writer may set with `--as`.
    /// Not part of the line, so not covered by the hash, and not compared by `==`.
    public var login: String?

    /// The entries' lines are equal (`login` is the store's note about the row, not the line's).
    public static func == (lhs: TranscriptEntry, rhs: TranscriptEntry) -> Bool {
        lhs.seq == rhs.seq && lhs.at == rhs.at && lhs.wall == rhs.wall && lhs.by == rhs.by && lhs.kind == rhs.kind && lhs.phase == rhs.phase
            && lhs.step == rhs.step && lhs.input == rhs.input && lhs.text == rhs.text && lhs.data == rhs.data && lhs.hash == rhs.hash
            && lhs.unknownKind == rhs.unknownKind
    }

    /// Whether `viewer` may see this entry: a `private` one only as the drill's facilitator,
    /// or as the responder a hint names. Every view that shows entries asks this.
    public func isVisible(to viewer: String?, facilitator: Bool) -> Bool {
        guard kind == .facilitatorOnly else { return true }
        if facilitator { return true }
        guard let viewer, let to = data["to"]?.stringValue else { return false }
        return to == viewer
    }

    /// Whether a person recorded this entry, as opposed to warroom by itself (timers),
    /// monitoring (alerts), a scenario's events or a load balancer's own changes: the one rule
    /// for who counts as a responder, everywhere.
    public var isByAPerson: Bool {
        guard !by.isEmpty, by != IncidentState.automaticAuthor, by != AlertIntake.author else { return false }
        switch kind {
        case .alert, .timer, .delivery: return false
        case .lb: return data["source"]?.stringValue == "operator"
        default: return true
        }
    }

    /// `chloe as dana` when the login that appended the entry is not the name it is recorded
    /// under; the name alone otherwise.
    public var author: String {
        guard let login, !login.isEmpty, login != by else { return by }
        return "\(login) as \(by)"
    }

    public init(seq: Int, at: Instant, wall: Instant, by: String, kind: EntryKind, phase: String? = nil, step: String? = nil,
                input: String? = nil, text: String = "", data: JSONObject = [:], hash: String = "")
    {
        self.seq = seq
        self.at = at
        self.wall = wall
        self.by = by
        self.kind = kind
        self.phase = phase
        self.step = step
        self.input = input
        self.text = text
        self.data = data
        self.hash = hash
    }
}

/// A problem with one line of a transcript file.
public struct TranscriptLineError: Error, Sendable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    public var reason: String

    public var description: String { "line \(line): \(reason)" }
}

extension TranscriptEntry {
    /// The JSON object of the entry without its `hash` (the content the hash covers).
    public func contentObject() -> JSONObject {
        var object = JSONObject()
        object.members.reserveCapacity(11)
        object.members.append(JSONMember("seq", .int(seq)))
        object.members.append(JSONMember("at", .string(at.iso8601)))
        object.members.append(JSONMember("wall", .string(wall.iso8601)))
        object.members.append(JSONMember("by", .string(by)))
        object.members.append(JSONMember("kind", .string(unknownKind ?? kind.rawValue)))
        if let phase { object.members.append(JSONMember("phase", .string(phase))) }
        if let step { object.members.append(JSONMember("step", .string(step))) }
        if let input { object.members.append(JSONMember("input", .string(input))) }
        object.members.append(JSONMember("text", .string(text)))
        if !data.isEmpty { object.members.append(JSONMember("data", .object(data))) }
        return object
    }

    /// The serialized content (no hash, no newline): what `HashChain` hashes.
    public func contentBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        JSONValue.object(contentObject()).write(to: &bytes)
        return bytes
    }

    /// The full transcript line (with `hash`, without the newline).
    public func lineBytes() -> [UInt8] {
        var bytes = contentBytes()
        bytes.removeLast()
        bytes.append(contentsOf: ",\"hash\":\"".utf8)
        bytes.append(contentsOf: hash.utf8)
        bytes.append(contentsOf: "\"}".utf8)
        return bytes
    }

    /// Decodes one transcript line.
    ///
    /// The envelope's fields are taken as the parser meets them, with no object built for the
    /// line: the first of a repeated key counts, as a lookup in the object would give, and the
    /// errors are those of parsing the whole line and then checking each field in turn.
    /// - Throws: `TranscriptLineError` when the line is not a well-formed entry.
    public static func decode(line: some Collection<UInt8>, number: Int, skipsText: ((EntryKind) -> Bool)? = nil) throws -> TranscriptEntry {
        if let entry = try line.withContiguousStorageIfAvailable({ try decode(buffer: $0, number: number, skipsText: skipsText) }) { return entry }
        return try Array(line).withUnsafeBufferPointer { try decode(buffer: $0, number: number, skipsText: skipsText) }
    }

    /// The line decoder the envelope parser replaced: the whole line as a JSON tree, then each
    /// field looked up. Kept as the reference the fuzz target and the tests check `decode`
    /// against, on any bytes: the same entry, or the same error.
    public static func referenceDecode(line: some Collection<UInt8>, number: Int) throws -> TranscriptEntry {
        let value: JSONValue
        do {
            value = try JSONValue.parse(line)
        } catch let error as JSONParseError {
            throw TranscriptLineError(line: number, reason: error.description)
        }
        guard case .object(let object) = value else { throw TranscriptLineError(line: number, reason: "not a JSON object") }
        return try fields(number: number, seq: object["seq"], at: object["at"], wall: object["wall"], by: object["by"], kind: object["kind"],
                          hash: object["hash"], phase: object["phase"], step: object["step"], input: object["input"], text: object["text"],
                          data: object["data"])
    }

    /// Decodes a line; `text` and `input` are checked but not made when `skipsText` says so of
    /// the line's kind (named before them, as warroom writes every line): they are then `""`
    /// and nil. A reader that folds only some kinds' words (`resume`) asks for no more.
    static func decode(buffer: UnsafeBufferPointer<UInt8>, number: Int, skipsText: ((EntryKind) -> Bool)? = nil) throws -> TranscriptEntry {
        var seqValue: JSONValue?, atValue: JSONValue?, wallValue: JSONValue?, byValue: JSONValue?, kindValue: JSONValue?, hashValue: JSONValue?
        var phaseValue: JSONValue?, stepValue: JSONValue?, inputValue: JSONValue?, textValue: JSONValue?, dataValue: JSONValue?
        var atInstant: Instant?, wallInstant: Instant?
        // The kind, once read (nil when it names none this version knows).
        var knownKind: EntryKind?
        do {
            var parser = JSONParser(buffer)
            parser.skipSpace()
            guard parser.index < buffer.count, buffer[parser.index] == UInt8(ascii: "{") else {
                _ = try parser.parseDocument()
                throw TranscriptLineError(line: number, reason: "not a JSON object")
            }
            var atSeen = false, wallSeen = false
            try parser.parseMembers(keyBytes: { key, parser in
                func take(_ slot: inout JSONValue?) throws {
                    let value = try parser.parseValue()
                    if slot == nil { slot = value }
                }
                // A time is read from its bytes; one that is not (escaped, malformed) is kept as
                // a value, and checked below as the reference decoder checks it.
                func time(_ seen: inout Bool, _ instant: inout Instant?, _ slot: inout JSONValue?) throws {
                    guard !seen else { return _ = try parser.parseValue() }
                    seen = true
                    if let read = parser.instantString() { instant = read } else { slot = try parser.parseValue() }
                }
                // The words, made only for a reader that asks for them (the kind comes first).
                func words(_ slot: inout JSONValue?) throws {
                    if let skipsText, let knownKind, skipsText(knownKind) {
                        try parser.skipValue()
                    } else {
                        try take(&slot)
                    }
                }
                switch EnvelopeField(key) {
                case .seq: try take(&seqValue)
                case .at: try time(&atSeen, &atInstant, &atValue)
                case .wall: try time(&wallSeen, &wallInstant, &wallValue)
                case .by: try take(&byValue)
                case .kind:
                    try take(&kindValue)
                    if knownKind == nil, let name = kindValue?.stringValue { knownKind = EntryKind.named(name) }
                case .hash: try take(&hashValue)
                case .phase: try take(&phaseValue)
                case .step: try take(&stepValue)
                case .input: try words(&inputValue)
                case .text: try words(&textValue)
                case .data: try take(&dataValue)
                case nil: _ = try parser.parseValue()
                }
            })
            parser.skipSpace()
            if parser.index != buffer.count { throw parser.fail("unexpected data after the value") }
        } catch let error as JSONParseError {
            throw TranscriptLineError(line: number, reason: error.description)
        }
        return try fields(number: number, seq: seqValue, at: atValue, wall: wallValue, by: byValue, kind: kindValue, hash: hashValue,
                          phase: phaseValue, step: stepValue, input: inputValue, text: textValue, data: dataValue, atInstant: atInstant,
                          wallInstant: wallInstant)
    }

    /// An entry from its fields' values, each checked in turn (the first problem is the error).
    private static func fields(number: Int, seq seqValue: JSONValue?, at atValue: JSONValue?, wall wallValue: JSONValue?, by byValue: JSONValue?,
                               kind kindValue: JSONValue?, hash hashValue: JSONValue?, phase phaseValue: JSONValue?, step stepValue: JSONValue?,
                               input inputValue: JSONValue?, text textValue: JSONValue?, data dataValue: JSONValue?,
                               atInstant: Instant? = nil, wallInstant: Instant? = nil) throws -> TranscriptEntry {
        func require(_ value: JSONValue?, _ key: String) throws -> JSONValue {
            guard let value else { throw TranscriptLineError(line: number, reason: "missing field '\(key)'") }
            return value
        }
        guard let seq = try require(seqValue, "seq").intValue else { throw TranscriptLineError(line: number, reason: "'seq' is not an integer") }
        guard let at = try atInstant ?? require(atValue, "at").stringValue.flatMap(Instant.parseISO8601) else {
            throw TranscriptLineError(line: number, reason: "'at' is not an ISO-8601 time")
        }
        guard let wall = try wallInstant ?? require(wallValue, "wall").stringValue.flatMap(Instant.parseISO8601) else {
            throw TranscriptLineError(line: number, reason: "'wall' is not an ISO-8601 time")
        }
        guard let by = try require(byValue, "by").stringValue else { throw TranscriptLineError(line: number, reason: "'by' is not a string") }
        guard let kindText = try require(kindValue, "kind").stringValue, !kindText.isEmpty else {
            throw TranscriptLineError(line: number, reason: "'kind' is not a kind name")
        }
        // A kind a newer warroom added is kept as it is and skipped by every reader.
        let kind = EntryKind.named(kindText) ?? .unknown
        guard let hash = try require(hashValue, "hash").stringValue, hash.utf8.count == 64,
            hash.withUTF8Buffer({ $0.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) } })
        else { throw TranscriptLineError(line: number, reason: "'hash' is not 64 lowercase hex digits") }
        var entry = TranscriptEntry(
            seq: seq, at: at, wall: wall, by: by, kind: kind,
            phase: phaseValue?.stringValue, step: stepValue?.stringValue, input: inputValue?.stringValue,
            text: textValue?.stringValue ?? "", data: dataValue?.objectValue ?? [:], hash: hash)
        if kind == .unknown { entry.unknownKind = kindText }
        return entry
    }
}

/// A line's member that the decoder reads, known by its key's bytes (no string is made).
enum EnvelopeField {
    case seq, at, wall, by, kind, hash, phase, step, input, text, data

    init?(_ key: UnsafeBufferPointer<UInt8>) {
        func `is`(_ name: StaticString) -> Bool {
            guard name.utf8CodeUnitCount == key.count else { return false }
            for offset in 0..<key.count where name.utf8Start[offset] != key[offset] { return false }
            return true
        }
        guard key.count >= 2 else { return nil }
        switch key.count {
        case 2: if `is`("at") { self = .at } else if `is`("by") { self = .by } else { return nil }
        case 3: if `is`("seq") { self = .seq } else { return nil }
        case 4:
            if `is`("wall") { self = .wall } else if `is`("kind") { self = .kind } else if `is`("text") { self = .text }
            else if `is`("hash") { self = .hash } else if `is`("data") { self = .data } else if `is`("step") { self = .step } else { return nil }
        case 5: if `is`("input") { self = .input } else if `is`("phase") { self = .phase } else { return nil }
        default: return nil
        }
    }
}
