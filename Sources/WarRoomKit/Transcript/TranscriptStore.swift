/// The last entry of a transcript: where the next append continues the chain.
public struct TranscriptHead: Sendable, Equatable, CustomStringConvertible {
    /// The `seq` of the last entry (0 before the `open` entry).
    public var seq: Int
    /// Its hash (`HashChain.genesis` before the `open` entry).
    public var hash: String

    public init(seq: Int, hash: String) {
        self.seq = seq
        self.hash = hash
    }

    /// An empty transcript.
    public static let empty = TranscriptHead(seq: 0, hash: HashChain.genesis)

    public var description: String { "#\(seq) \(hash.prefix(12))" }
}

/// Where an incident's transcript lives: a JSONL file on this machine (`TranscriptWriter`), a
/// shared database, or memory (tests). Every store keeps the same lines and the same hash
/// chain, so a transcript moves between them byte for byte.
///
/// Appends name the head they continue: a store with several writers refuses an append whose
/// head has moved (someone else recorded first), and the caller folds what arrived and
/// decides again. A store is used from one thread at a time.
public protocol TranscriptStore: AnyObject {
    /// Where the transcript is, for messages: a path, or a database and incident id (never a
    /// password).
    var location: String { get }

    /// The last entry recorded, as the store sees it now.
    /// - Throws: `TranscriptError` when the store cannot be read.
    func head() throws -> TranscriptHead

    /// Appends entries that belong together (what one command recorded): all of them, in
    /// order, or none. Each gets the next `seq` and its chained hash.
    /// - Parameters:
    ///   - drafts: the entries; their `seq` and `hash` are ignored.
    ///   - expected: the head the caller decided on.
    /// - Returns: the entries as recorded.
    /// - Throws: `TranscriptError.headMoved` when the head is no longer `expected` (nothing is
    ///   written); `TranscriptError.writeFailed` when the store could not take them.
    /// - Parameter command: the id of the command that decided the entries, chosen by the shell
    ///   before its first attempt. A store that can lose an acknowledgement in flight (a
    ///   database) keeps it with the entries: an append whose command is in the record already
    ///   writes nothing and returns the entries recorded then, so a command is recorded once
    ///   however often it is sent.
    @discardableResult
    func append(_ drafts: [TranscriptEntry], after expected: TranscriptHead, command: CommandID?) throws -> [TranscriptEntry]

    /// The entries after `seq`, in order (all of them for 0).
    /// - Throws: `TranscriptError` when the store cannot be read.
    func entries(after seq: Int) throws -> [TranscriptEntry]

    /// Releases the store (its lock or connection). Appending afterwards fails.
    func close()

    /// Whether other writers may append to the same transcript (a shared database), so that
    /// an append can find the head moved and a session must look for others' entries.
    var isShared: Bool { get }
}

extension TranscriptStore {
    /// A store is private to its writer unless it says otherwise (a file is locked).
    public var isShared: Bool { false }

    /// Appends entries no command id stands for (an import, a test, the `open` entry).
    @discardableResult
    public func append(_ drafts: [TranscriptEntry], after expected: TranscriptHead) throws -> [TranscriptEntry] {
        try append(drafts, after: expected, command: nil)
    }
}

/// The id a shell gives one command before its first attempt to record it: 32 hex digits,
/// random. The store keeps it with the command's entries, so that after a commit whose
/// acknowledgement was lost the shell can tell whether the command is in the record.
public struct CommandID: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// A new random id.
    public static func random() -> CommandID {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        let hex = String(high, radix: 16) + "-" + String(low, radix: 16)
        return CommandID(String(repeating: "0", count: max(0, 8 - hex.count)) + hex)
    }

    public var description: String { value }
}

extension TranscriptEntry {
    /// The entry as the line a store keeps, chained after `previous`: the entry with its `seq`
    /// and `hash` set, and the line's bytes (with its newline). Every store writes these bytes,
    /// so a transcript is the same byte for byte wherever it lives.
    public func chained(seq: Int, after previous: String) -> (entry: TranscriptEntry, line: [UInt8]) {
        var entry = self
        entry.seq = seq
        var line = entry.contentBytes()
        entry.hash = HashChain.hash(previous: previous, content: line)
        line.removeLast()
        line.append(contentsOf: ",\"hash\":\"".utf8)
        line.append(contentsOf: entry.hash.utf8)
        line.append(contentsOf: "\"}\n".utf8)
        return (entry, line)
    }
}
