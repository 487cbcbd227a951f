import WarRoomKit

/// A transcript kept in memory: the store unit tests use, with the same chain as a file.
public final class InMemoryTranscriptStore: TranscriptStore {
    public let location: String
    /// Several sessions may share it, as shells share a database (tests of the shared room).
    public let isShared: Bool
    /// The lines as a file would hold them.
    public private(set) var lines: [[UInt8]] = []
    private var recorded: [TranscriptEntry] = []
    private var closed = false
    /// Whether it answers (tests take it away as a database goes away).
    public var reachable = true
    /// Whether the sessions using it may only read (a read-only role).
    public var readOnly = false
    /// Shells in the room, and the last id given out.
    private var presentShells: Set<Int> = []
    private var nextShell = 0
    /// How many times a shell took the room's write lock (after finding the head moved).
    public private(set) var writeLocks = 0
    /// The seqs each command id recorded, as a database keeps them.
    private var commands: [CommandID: ClosedRange<Int>] = [:]
    /// The next append records its entries and then reports the store unreachable, as a
    /// connection that breaks during COMMIT does (tests of exactly-once).
    public var loseNextAcknowledgement = false

    public init(location: String = "memory", shared: Bool = false) {
        self.location = location
        isShared = shared
    }

    public func head() throws -> TranscriptHead {
        try checkReachable()
        return recorded.last.map { TranscriptHead(seq: $0.seq, hash: $0.hash) } ?? .empty
    }

    @discardableResult
    public func append(_ drafts: [TranscriptEntry], after expected: TranscriptHead, command: CommandID?) throws -> [TranscriptEntry] {
        guard !closed else { throw TranscriptError.writeFailed(path: location, reason: "the transcript is closed") }
        try checkReachable()
        if let command, let range = commands[command] {
            return Array(recorded[(range.lowerBound - 1)...(range.upperBound - 1)])
        }
        let current = try head()
        guard current == expected else { throw TranscriptError.headMoved(path: location, expected: expected.seq, found: current.seq) }
        var hash = current.hash
        var seq = current.seq
        var written: [TranscriptEntry] = []
        var newLines: [[UInt8]] = []
        for draft in drafts {
            seq += 1
            let (entry, line) = draft.chained(seq: seq, after: hash)
            hash = entry.hash
            written.append(entry)
            newLines.append(line)
        }
        recorded.append(contentsOf: written)
        lines.append(contentsOf: newLines)
        if let command, let first = written.first, let last = written.last { commands[command] = first.seq...last.seq }
        if loseNextAcknowledgement {
            loseNextAcknowledgement = false
            guard let command else { throw TranscriptError.unreachable(path: location, reason: "the connection broke during COMMIT (test)") }
            throw TranscriptError.inDoubt(path: location, reason: "the connection broke during COMMIT (test)", command: command)
        }
        return written
    }

    public func entries(after seq: Int) throws -> [TranscriptEntry] {
        try checkReachable()
        return Array(recorded.drop { $0.seq <= seq })
    }

    public func close() {
        // A shared one stays open for the other sessions using it.
        if !isShared { closed = true }
    }
}

extension InMemoryTranscriptStore: RoomStore {
    public func enterRoom() throws -> Int {
        try checkReachable()
        nextShell += 1
        presentShells.insert(nextShell)
        return nextShell
    }

    public func leaveRoom(shell: Int) {
        presentShells.remove(shell)
    }

    public func present(among shells: [Int]) throws -> Set<Int> {
        try checkReachable()
        return presentShells.intersection(shells)
    }

    public func lockWrites() throws {
        try checkReachable()
        writeLocks += 1
    }

    public func unlockWrites() {}

    public func mayWrite() throws -> Bool {
        try checkReachable()
        return !readOnly
    }

    public var wakeDescriptor: Int32 { -1 }

    public var login: String? { nil }

    public var secrets: [String] { [] }

    public func otherLogins() throws -> [Int: String] {
        try checkReachable()
        return [:]
    }

    /// Memory has no notifications: every tick looks (a read costs nothing here).
    public func takeWakeups() throws -> Bool {
        try checkReachable()
        return true
    }

    public func reconnect() throws {
        try checkReachable()
    }

    public func transcriptBytes() throws -> [UInt8] {
        try checkReachable()
        return lines.flatMap { $0 }
    }

    public func entries(command: CommandID) throws -> [TranscriptEntry] {
        try checkReachable()
        guard let range = commands[command] else { return [] }
        return try entries(after: range.lowerBound - 1).filter { $0.seq <= range.upperBound }
    }

    /// A shell that was killed: it no longer counts as present (tests).
    public func forget(shell: Int) {
        presentShells.remove(shell)
    }

    private func checkReachable() throws {
        guard reachable else { throw TranscriptError.unreachable(path: location, reason: "the test took it away") }
    }
}
