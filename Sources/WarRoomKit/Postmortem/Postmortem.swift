#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Compiles transcripts into postmortems: the entry point for `warroom postmortem`, the
/// shell's `postmortem` command and `close`.
///
///     let model = try Postmortem.compile(transcriptPath: path, strict: false)
///     let markdown = PostmortemRenderer.render(model, format: .markdown)
///     let findings = PostmortemCheck.findings(model, wordRange: 400...600)
public enum Postmortem {
    /// Reads, verifies and compiles a transcript.
    ///
    /// A transcript that fails verification, or has a torn last line or unreadable lines,
    /// still compiles: the problems are listed in `warnings`, which every format shows first.
    /// - Parameters:
    ///   - transcriptPath: the `.jsonl` transcript.
    ///   - strict: refuse a transcript whose hash chain does not verify.
    ///   - progress: called now and then with the share of the file read (0…1), for a
    ///     progress display on long transcripts.
    ///   - scenarioFolders: for a drill, re-run its simulation for the share of users affected
    ///     (and the chart), finding the scenario at its recorded path or by id in these
    ///     playbook folders; nil to take the figure from the `impact` statement or the probes
    ///     and draw the chart from the probe readings alone.
    ///   - drawChart: also sample the re-run for the chart (HTML and JSON); Markdown has none.
    /// - Returns: the postmortem.
    /// - Throws: `PostmortemError.transcript` when the file cannot be read or is not a
    ///   transcript; `PostmortemError.verificationFailed` in strict mode.
    public static func compile(transcriptPath: String, strict: Bool = false, progress: ((Double) -> Void)? = nil,
                               scenarioFolders: [String]? = nil, drawChart: Bool = true) throws -> PostmortemModel {
        try compile(transcriptPath: transcriptPath, strict: strict, progress: progress, scenarioFolders: scenarioFolders, drawChart: drawChart,
                    puttingDownPast: PostmortemLimits.heldTranscriptBytes)
    }

    /// `compile(transcriptPath:…)`, putting entries down in a transcript of more than
    /// `puttingDownPast` bytes, and spilling columns in pages of `1 << spillPageShift` values
    /// (tests put entries down and spill in a small transcript).
    static func compile(transcriptPath: String, strict: Bool = false, progress: ((Double) -> Void)? = nil,
                        scenarioFolders: [String]? = nil, drawChart: Bool = true, puttingDownPast limit: Int,
                        spillPageShift: Int = 12) throws -> PostmortemModel {
        // Read a chunk at a time, the chain checked beside the decoding, and folded entry by
        // entry: the file is never held whole. In a long transcript the numerous kinds' kept
        // entries are put down too, and read again from the file when the postmortem is written.
        var builder = PostmortemBuilder()
        let read: TranscriptStream.Outcome
        do {
            if TranscriptStream.fileSize(transcriptPath) > limit {
                // Read through the reader's own descriptor: the entries read again later are
                // from the very file folded now.
                let reader = try TranscriptLineReader(path: transcriptPath)
                // The columns that grow with the transcript spill to a temporary file; where
                // none can be made they are held.
                builder.putDown(readingFrom: reader, spillingTo: SpillFile(pageShift: spillPageShift))
                read = try TranscriptStream.read(fd: reader.fd, path: transcriptPath, verify: true, lenient: true, requiringOpen: true, progress: progress) {
                    builder.add($0, place: $1)
                }
            } else {
                read = try TranscriptStream.read(path: transcriptPath, verify: true, lenient: true, requiringOpen: true, progress: progress) {
                    builder.add($0, place: $1)
                }
            }
        } catch let error as TranscriptError {
            throw PostmortemError.transcript(error)
        }
        progress?(1)
        return try finish(builder, verification: read.verification ?? TranscriptVerifier.verify(bytes: []), torn: read.torn, badLines: read.badLines,
                          empty: read.byteCount == 0, path: transcriptPath, strict: strict, scenarioFolders: scenarioFolders, drawChart: drawChart)
    }

    /// Verifies and compiles transcript bytes (see `compile(transcriptPath:strict:progress:)`).
    /// - Parameters:
    ///   - bytes: the transcript file's content.
    ///   - path: where it came from; its last component is the header's transcript file.
    ///   - strict: refuse a transcript whose hash chain does not verify.
    ///   - progress: called with the share of the bytes read.
    ///   - scenarioFolders: for a drill, where to find its scenario to re-run the simulation.
    ///   - drawChart: also sample the re-run for the chart.
    /// - Returns: the postmortem.
    /// - Throws: `PostmortemError`.
    /// - Parameter logins: the database login of each entry (by `seq`) where the store keeps
    ///   one and it differs from the name typed under: the Appendix shows `LOGIN as NAME`.
    public static func compile(bytes: [UInt8], path: String, strict: Bool = false, progress: ((Double) -> Void)? = nil,
                               scenarioFolders: [String]? = nil, drawChart: Bool = true, logins: [Int: String] = [:]) throws -> PostmortemModel {
        let verifying = BackgroundVerification(bytes: bytes)
        // Entries are decoded and folded one at a time rather than collected with
        // `TranscriptLog.decode`, so memory follows the postmortem's size, not the transcript's.
        var builder = PostmortemBuilder()
        var badLines: [TranscriptLineError] = []
        var torn: TornLine?
        var first = true
        try bytes.withUnsafeBufferPointer { buffer in
            var nextReport = 0
            let ending = try TranscriptLines.scan(buffer) { lineNumber, line, next in
                do {
                    var entry = try TranscriptEntry.decode(line: line, number: lineNumber)
                    entry.login = logins[entry.seq]
                    if first, entry.kind != .open {
                        throw PostmortemError.transcript(.notATranscript(path: path, reason: "the first entry is '\(entry.kind.rawValue)', not 'open'"))
                    }
                    first = false
                    builder.add(entry)
                } catch let error as TranscriptLineError {
                    badLines.append(error)
                }
                if let progress, next >= nextReport {
                    progress(Double(next) / Double(buffer.count))
                    nextReport = next + max(1 << 20, buffer.count / 100)
                }
                return true
            }
            if let tornStart = ending.tornStart {
                torn = TornLine(line: ending.lines + 1, offset: tornStart, bytes: Array(buffer[tornStart...]))
            }
        }
        progress?(1)
        return try finish(builder, verification: verifying.wait(), torn: torn, badLines: badLines, empty: bytes.isEmpty, path: path, strict: strict,
                          scenarioFolders: scenarioFolders, drawChart: drawChart)
    }

    /// The postmortem from a transcript folded whole: refused in strict mode when the chain
    /// fails, and re-running a drill's simulation when its scenario is found.
    private static func finish(_ builder: PostmortemBuilder, verification: VerifyReport, torn: TornLine?, badLines: [TranscriptLineError], empty: Bool,
                               path: String, strict: Bool, scenarioFolders: [String]?, drawChart: Bool) throws -> PostmortemModel {
        if strict, let problem = verification.problem {
            throw PostmortemError.verificationFailed(path: path, problem: problem)
        }
        if builder.state.entryCount == 0 {
            throw PostmortemError.transcript(.notATranscript(path: path, reason: empty ? "the file is empty" : "it holds no complete entry"))
        }
        var model = builder.finish(transcriptFile: fileName(path), verification: verification, torn: torn, badLines: badLines)
        if let scenarioFolders {
            let state = builder.state
            let window = model.summary.impactWindow
            let chartSpan = drawChart ? (builder.earliestAt ?? state.openedAt)...max(state.lastAt, builder.earliestAt ?? state.openedAt) : nil
            let impactSpan = window.flatMap { $0.through >= $0.from ? $0.from...$0.through : nil }
            if let outcome = PostmortemSimulation.rerun(openData: state.openData, commands: { RecordedLBCommand.from(entries: (builder.kept(.lb) + builder.simulationInjects).sorted { $0.seq < $1.seq }) },
                                                        chart: chartSpan, impact: impactSpan, folders: scenarioFolders)
            {
                model.apply(outcome, window: window)
            }
        }
        return model
    }

    /// The last component of a path.
    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

extension PostmortemModel {
    /// Takes what a drill's re-run gave: the share of users affected (it comes first: the
    /// simulation counts every user, where a probe sees a moment and a statement an estimate),
    /// the chart's curves, or why there are none.
    mutating func apply(_ outcome: PostmortemSimulation.Outcome, window: ImpactWindow?) {
        if let share = outcome.usersAffected {
            summary.usersAffected = share
            summary.usersAffectedSource = .simulation
        } else if let note = outcome.note {
            summary.usersAffectedNote = "the drill's simulation was not re-run: " + note
        } else if let window, window.through < window.from {
            summary.usersAffectedNote = "the drill's simulation was not re-run: \(window.throughBasis) is before \(window.fromBasis)"
        }
        if let series = outcome.series { evidence.chart.simulation = series }
        if outcome.series == nil, let note = outcome.note { evidence.chart.simulationNote = note }
    }

    /// Compiles a postmortem from entries in memory: a pure function of the transcript.
    /// - Parameters:
    ///   - entries: the transcript's entries, in order, starting with `open`.
    ///   - transcriptFile: the file name shown in the header.
    ///   - verification: the hash chain check, if one was made; a failure becomes a warning.
    ///   - torn: a torn last line left out of `entries`.
    ///   - badLines: undecodable lines left out of `entries`.
    public init(entries: some Sequence<TranscriptEntry>, transcriptFile: String, verification: VerifyReport? = nil,
                torn: TornLine? = nil, badLines: [TranscriptLineError] = [])
    {
        var builder = PostmortemBuilder()
        for entry in entries { builder.add(entry) }
        self = builder.finish(transcriptFile: transcriptFile, verification: verification, torn: torn, badLines: badLines)
    }

    /// Compiles a postmortem from a transcript read with `TranscriptLog.read(path:lenient:)`.
    /// - Parameters:
    ///   - log: the transcript.
    ///   - verification: the hash chain check, if one was made.
    public init(log: TranscriptLog, verification: VerifyReport? = nil) {
        self.init(entries: log.entries, transcriptFile: Postmortem.fileName(log.path), verification: verification,
                  torn: log.torn, badLines: log.badLines)
    }
}
