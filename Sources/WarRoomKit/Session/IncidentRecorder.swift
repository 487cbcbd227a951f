/// The incident's record as one shell holds it: the state folded from the store, the head the
/// next commit continues, and what the line being handled has decided and not yet committed.
///
/// One method commits (`commit(lock:decide:headMoved:)`): lock the room when asked, decide
/// (reading what the others recorded first), append after the head in one call, fold. When
/// another shell recorded first all the same, the state goes back to what was recorded and the
/// decision is made again on the new head — under the room's lock from then on. Commands,
/// timers, alerts, joins and leaves all land here.
///
/// A reference type: it owns the store for the shell's lifetime.
final class IncidentRecorder {
    /// How many times a decision is made again when other shells keep recording first (holding
    /// the room's write lock, a try finds the head moved only when a shell that does not wait
    /// for the lock recorded first).
    static let maximumAttempts = 32

    /// Where the transcript lives.
    let store: any TranscriptStore
    /// The incident as recorded, with what the line being handled decided folded in.
    private(set) var state: IncidentState
    /// The entries decided (and folded into `state`) but not yet in the store.
    private(set) var staged: [TranscriptEntry] = []
    /// The hash of the last entry in the store (the head the next commit continues).
    private var committedHash: String
    /// In a shared room, the state as recorded before the entries staged now: a failed append
    /// goes back to it without reading the whole incident again.
    private var committedState: IncidentState?
    /// The id the next commit records its entries under (`nil`: a fresh one). Cleared once they
    /// are in, so that whatever the same line records afterwards goes in under ids of its own.
    var commandID: CommandID?
    /// Entries folded here that the session has not looked at yet (what a commit sent again
    /// found recorded already): `takeUnseen()` hands them over.
    private var unseen: [TranscriptEntry] = []

    init(store: any TranscriptStore, state: IncidentState) {
        self.store = store
        self.state = state
        committedHash = state.lastHash
    }

    /// The shared store, when the incident is a room.
    var room: (any RoomStore)? {
        store.isShared ? store as? RoomStore : nil
    }

    // MARK: - Deciding

    /// Folds `draft` into the state under the next `seq` and keeps it for the commit.
    /// - Returns: the entry as it will be recorded.
    @discardableResult
    func stage(_ draft: TranscriptEntry) -> TranscriptEntry {
        if staged.isEmpty, store.isShared { committedState = state }
        var entry = draft
        entry.seq = state.lastSeq + 1
        // As the store will have it: the append records this connection's login.
        entry.login = room?.login
        // A pause or a close says how the incident stands before it (its severity, the latest
        // time on record), so that `list` reads a transcript's first and last lines, not all.
        // Worked out each time it is staged: a draft staged again stands on the state as it is now.
        if entry.kind == .pause || entry.kind == .close {
            entry.data["state"] = ["severity": .string(state.severity), "last_at": .string(state.lastAt.iso8601)]
        }
        state.apply(entry)
        staged.append(entry)
        return entry
    }

    /// Folds what other shells recorded since this one last looked.
    /// - Returns: the entries, in record order.
    func fetchOthers() throws -> [TranscriptEntry] {
        guard store.isShared else { return [] }
        let fresh = try store.entries(after: state.lastSeq)
        for entry in fresh { state.apply(entry) }
        if !fresh.isEmpty { committedHash = state.lastHash }
        return fresh
    }

    /// The entries folded without the session looking (see `unseen`), once.
    func takeUnseen() -> [TranscriptEntry] {
        defer { unseen = [] }
        return unseen
    }

    // MARK: - Committing

    /// The one commit path: holding the room's write lock when `lock` (else from the first time
    /// the head is found moved), `decide` stages what the line decides (reading the others'
    /// entries first), and the staged entries are appended after the head in one call and
    /// folded. When another shell recorded first, the state goes back to what was recorded,
    /// `headMoved` puts back what the caller keeps beside it, and `decide` runs again on the
    /// new head.
    /// - Parameters:
    ///   - lock: whether to take the room's lock before the first decision (an `lb` change is
    ///     applied in record order, after everything recorded before it).
    ///   - decide: stages what to record; its result is returned once it is committed. Called
    ///     with the attempt's number, from 1.
    ///   - headMoved: called before deciding again.
    /// - Throws: what `decide` throws, `TranscriptError` from the store; the staged entries
    ///   are then the caller's to drop (`discardStaged`).
    func commit<Result>(lock: Bool, decide: (_ attempt: Int) throws -> Result, headMoved: () throws -> Void = {}) throws -> Result {
        var locked = false
        defer { if locked { room?.unlockWrites() } }
        if lock, let room {
            try room.lockWrites()
            locked = true
        }
        var attempt = 0
        while true {
            attempt += 1
            // A file has one writer, so nothing is kept to go back to: keeping it would copy
            // the state's collections on the command's first change.
            let checkpoint = store.isShared ? committedState ?? state : nil
            do {
                let result = try decide(attempt)
                try commitStaged()
                return result
            } catch TranscriptError.headMoved where attempt < Self.maximumAttempts {
                if let checkpoint { state = checkpoint }
                committedState = nil
                staged = []
                try headMoved()
                if !locked, let room {
                    try room.lockWrites()
                    locked = true
                }
            }
        }
    }

    /// Puts the staged entries in the store, in one append after the head, under the line's
    /// command id (a fresh one when the line has recorded already, or for what falls due by
    /// itself).
    /// - Throws: `TranscriptError`; on `headMoved` the caller goes back and decides again, on
    ///   anything else the state is what is recorded again.
    func commitStaged() throws {
        guard !staged.isEmpty else { return }
        let entries = staged
        staged = []
        let head = TranscriptHead(seq: entries[0].seq - 1, hash: committedHash)
        do {
            let written = try store.append(entries, after: head, command: commandID ?? CommandID.random())
            commandID = nil
            if written.first?.seq != entries.first?.seq {
                // The command was in the record already (a commit whose acknowledgement was
                // lost, sent again): what was recorded then is folded, not these.
                restoreCommittedState()
                unseen += try fetchOthers()
                return
            }
            if let last = written.last { state.lastHash = last.hash }
            committedHash = state.lastHash
            committedState = nil
        } catch TranscriptError.headMoved {
            throw TranscriptError.headMoved(path: store.location, expected: head.seq, found: -1)
        } catch {
            restoreCommittedState()
            throw error
        }
    }

    /// Drops what was staged and not committed (the decision failed); the state is what is
    /// recorded again.
    func discardStaged() {
        guard !staged.isEmpty else { return }
        staged = []
        restoreCommittedState()
    }

    /// Back to the state of what is recorded: in a shared room the state kept before staging;
    /// for a file, folded again from the file (a failed write was cut back to the last entry).
    private func restoreCommittedState() {
        if let committedState {
            state = committedState
            committedHash = state.lastHash
            self.committedState = nil
        } else {
            try? rebuildState()
        }
    }

    /// Folds the transcript again from the store: after a failed append, the state must hold
    /// exactly what was recorded.
    func rebuildState() throws {
        state = IncidentState(entries: try store.entries(after: 0))
        committedHash = state.lastHash
    }
}
