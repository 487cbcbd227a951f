import Foundation

extension Session {
    /// Where `close` writes the postmortem: next to the transcript, `ID.postmortem.md`.
    public var postmortemPath: String {
        (path.hasSuffix(".jsonl") ? String(path.dropLast(6)) : path) + ".postmortem.md"
    }

    /// Compiles the postmortem from the transcript as it is now: the file, or the lines a
    /// shared store holds.
    func compilePostmortem(scenarioFolders: [String]?) throws -> PostmortemModel {
        guard let room else { return try Postmortem.compile(transcriptPath: path, scenarioFolders: scenarioFolders) }
        return try Postmortem.compile(bytes: room.transcriptBytes(), path: "\(state.id) (store)", scenarioFolders: scenarioFolders)
    }

    /// Compiles the Markdown postmortem after `close`; returns lines to print.
    func writePostmortemOnClose() -> [String] {
        if room != nil { return anchorClosedRoom() }
        do {
            // Markdown has no chart: the simulation is not re-run for it.
            let model = try Postmortem.compile(transcriptPath: path)
            try PostmortemRenderer.render(model, format: .markdown).write(toFile: postmortemPath, atomically: true, encoding: .utf8)
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
            try Session.writeNewFile(exportPath, bytes)
            lines.append("Transcript exported: \(exportPath) (\(bytes.count) bytes; 'warroom verify \(exportPath)' checks it against the head above)")
        } catch {
            return lines + ["The export could not be written (\(error)); write it with 'warroom export \(state.id) --store URL --output FILE'."]
        }
        do {
            let model = try Postmortem.compile(bytes: bytes, path: exportPath)
            let postmortem = String(exportPath.dropLast(".jsonl".count)) + ".postmortem.md"
            try Session.writeNewFile(postmortem, Array(PostmortemRenderer.render(model, format: .markdown).utf8))
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

    /// Writes a new file (mode 0600, never through a symbolic link, synced to disk).
    static func writeNewFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TranscriptError.notWritable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw TranscriptError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
        guard fsync(fd) == 0 else { throw TranscriptError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
    }
}

/// `postmortem` in the shell: compile now; the session goes on.
enum PostmortemCommands {
    static let all: [CommandSpec] = [
        CommandSpec("postmortem", usage: "postmortem [--format markdown|json|html] [--output FILE]",
                    summary: "compile the postmortem now from the transcript (the session goes on)",
                    details: "Example: postmortem --format html --output pm.html", group: .session,
                    options: ["--format", "--output"], readOnly: true,
                    complete: { _, _ in [] }
        ) { session, arguments in
            let usage = "postmortem [--format markdown|json|html] [--output FILE]"
            let formatText = try arguments.option("--format", usage: usage) ?? "markdown"
            let output = try arguments.option("--output", usage: usage)
            try arguments.expectEnd(usage: usage)
            guard let format = PostmortemFormat(name: formatText) else {
                throw CommandError.usage(usage, "'\(formatText)' is not a format\(Suggest.hint(for: formatText, in: PostmortemFormat.allCases.map(\.rawValue)))")
            }
            let model = try session.compilePostmortem(scenarioFolders: format == .markdown ? nil : session.playbookFolders)
            let text = PostmortemRenderer.render(model, format: format)
            guard let output else { return text }
            do {
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                throw CommandError.invalid("cannot write '\(output)': \(error.localizedDescription)")
            }
            return "postmortem (\(format.rawValue)) written to \(output)"
        },
    ]
}
