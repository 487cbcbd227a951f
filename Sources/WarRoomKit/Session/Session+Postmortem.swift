import Foundation

extension Session {
    /// Where `close` writes the postmortem: next to the transcript, `ID.postmortem.md`.
    public var postmortemPath: String {
        (path.hasSuffix(".jsonl") ? String(path.dropLast(6)) : path) + ".postmortem.md"
    }

    /// Compiles the postmortem from the transcript as it is now: the file, or the lines a
    /// shared store holds.
    func compilePostmortem(scenarioFolders: [String], drawChart: Bool) throws -> PostmortemModel {
        guard let room else { return try Postmortem.compile(transcriptPath: path, scenarioFolders: scenarioFolders, drawChart: drawChart) }
        return try Postmortem.compile(bytes: room.transcriptBytes(), path: "\(state.id) (store)", scenarioFolders: scenarioFolders, drawChart: drawChart,
                                      logins: room.otherLogins())
    }

    /// Compiles the Markdown postmortem after `close`; returns lines to print.
    func writePostmortemOnClose() -> [String] {
        if room != nil { return anchorClosedRoom() }
        do {
            // Markdown has no chart: a drill's simulation is re-run only for the impact figure.
            let model = try compilePostmortem(scenarioFolders: playbookFolders, drawChart: false)
            try PrivateFile.write(PostmortemRenderer.render(model, format: .markdown), to: postmortemPath)
            var lines = ["Postmortem: \(postmortemPath)"]
            let findings = PostmortemCheck.findings(model)
            if !findings.isEmpty {
                lines.append("Before publishing, the postmortem check found:")
                lines.append(contentsOf: findings.map { "  - \($0)" })
            }
            return lines
        } catch {
            return ["The postmortem could not be written (\(error)); run 'warroom postmortem \(path)' to try again."]
        }
    }
}

extension Session {
    /// After another shell closed the incident: this shell's own copy of the record, as the
    /// closing shell wrote its own — the final head, the export and its postmortem in this
    /// shell's transcripts folder. Once; nothing after it.
    public func takeCloseNotes() -> [String] {
        guard let close = closedElsewhere, !roomShell.hasLeft else { return [] }
        roomShell.hasLeft = true
        return ["\(close.by) closed the incident at \(stampSeconds(close.at)); leaving the room."] + anchorClosedRoom()
    }

    /// After `close` in a shared room: the final head, and the transcript exported byte for
    /// byte with its postmortem beside it in the local transcripts folder, so that the head is
    /// anchored outside the database too.
    func anchorClosedRoom() -> [String] {
        guard let room else { return [] }
        var lines = ["Final head: #\(state.lastSeq) \(state.lastHash)"]
        let bytes: [UInt8]
        do {
            bytes = try room.transcriptBytes()
        } catch {
            return lines + ["The export could not be read from the store (\(error)); write it with 'warroom export \(state.id) --store URL --output FILE'."]
        }
        let exportPath: String
        do {
            exportPath = try IncidentID.freePath(folder: localFolder ?? ".", id: state.id)
            try PrivateFile.writeNew(bytes, to: exportPath)
            lines.append("Transcript exported: \(exportPath) (\(bytes.count) bytes; 'warroom verify \(exportPath)' checks it against the head above)")
        } catch {
            return lines + ["The export could not be written (\(error)); write it with 'warroom export \(state.id) --store URL --output FILE'."]
        }
        do {
            let model = try Postmortem.compile(bytes: bytes, path: exportPath, scenarioFolders: playbookFolders, drawChart: false,
                                               logins: (try? room.otherLogins()) ?? [:])
            let postmortem = String(exportPath.dropLast(".jsonl".count)) + ".postmortem.md"
            try PrivateFile.writeNew(Array(PostmortemRenderer.render(model, format: .markdown).utf8), to: postmortem)
            lines.append("Postmortem: \(postmortem)")
            let findings = PostmortemCheck.findings(model)
            if !findings.isEmpty {
                lines.append("Before publishing, the postmortem check found:")
                lines.append(contentsOf: findings.map { "  - \($0)" })
            }
        } catch {
            lines.append("The postmortem could not be written (\(error)); run 'warroom postmortem \(exportPath)' to try again.")
        }
        return lines
    }
}

/// `postmortem` in the shell: compile now; the session goes on.
enum PostmortemCommands {
    static let all: [CommandSpec] = [
        CommandSpec("postmortem", usage: "postmortem [--format markdown|json|html] [--output FILE] [--no-appendix]",
                    summary: "compile the postmortem now from the transcript (the session goes on)",
                    details: "The body (summary to lessons) comes first; '--no-appendix' leaves out the Appendix of every step, probe and change.\nExample: postmortem --format html --output pm.html", group: .session,
                    options: ["--format", "--output", "--no-appendix"], readOnly: true,
                    complete: { _, _ in [] }
        ) { session, arguments in
            let usage = "postmortem [--format markdown|json|html] [--output FILE] [--no-appendix]"
            let noAppendix = arguments.flag("--no-appendix")
            let formatText = try arguments.option("--format", usage: usage) ?? "markdown"
            let output = try arguments.option("--output", usage: usage)
            try arguments.expectEnd(usage: usage)
            guard let format = PostmortemFormat(name: formatText) else {
                throw CommandError.usage(usage, "'\(formatText)' is not a format\(Suggest.hint(for: formatText, in: PostmortemFormat.allCases.map(\.rawValue)))")
            }
            let model = try session.compilePostmortem(scenarioFolders: session.playbookFolders, drawChart: format != .markdown)
            guard let output else { return PostmortemRenderer.render(model, format: format, appendix: !noAppendix) }
            do {
                try PostmortemRenderer.write(model, format: format, appendix: !noAppendix, toFile: output)
            } catch {
                throw CommandError.invalid("\(error); the postmortem was not written")
            }
            return "postmortem (\(format.rawValue)) written to \(output)"
        },
    ]
}
