import Foundation

extension Session {
    /// Where `close` writes the postmortem: next to the transcript, `ID.postmortem.md`.
    public var postmortemPath: String {
        (path.hasSuffix(".jsonl") ? String(path.dropLast(6)) : path) + ".postmortem.md"
    }

    /// Compiles the Markdown postmortem after `close`; returns lines to print.
    func writePostmortemOnClose() -> [String] {
        do {
            // Markdown has no chart: a drill's simulation is re-run only for the impact figure.
            let model = try Postmortem.compile(transcriptPath: path, scenarioFolders: playbookFolders, drawChart: false)
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
            let model = try Postmortem.compile(transcriptPath: session.path, scenarioFolders: session.playbookFolders, drawChart: format != .markdown)
            let text = PostmortemRenderer.render(model, format: format, appendix: !noAppendix)
            guard let output else { return text }
            do {
                try PrivateFile.write(text, to: output)
            } catch {
                throw CommandError.invalid("\(error); the postmortem was not written")
            }
            return "postmortem (\(format.rawValue)) written to \(output)"
        },
    ]
}
