/// Writes a postmortem document as CommonMark, with GitHub-flavoured tables and task lists.
///
/// Every string is escaped (`SafeText.markdown`) so it renders as exactly that text; one that
/// begins a line or a list item cannot start a list, a heading or a table there.
struct PostmortemMarkdown {
    let document: PostmortemDocument

    /// The whole document.
    func render() -> String {
        TextPieces.joined(render(into:))
    }

    /// The document a piece at a time, each handed to `emit` once it is a few tens of
    /// kilobytes: a long incident's postmortem is never held whole.
    func render(into emit: ([UInt8]) -> Void) {
        TextPieces.write(into: emit) { write(to: &$0) }
    }

    private func write(to out: inout TextPieces) {
        out += "# " + esc(document.title) + "\n\n"
        if !document.warnings.isEmpty {
            out += document.warnings.map { "> **Warning:** " + esc($0) }.joined(separator: "\n>\n") + "\n\n"
        }
        for item in document.header { out += "- " + inlines(item) + "\n" }
        for section in document.body { write(section, to: &out) }
        if let appendix = document.appendix { write(appendix, to: &out) }
    }

    func write(_ section: PostmortemDocument.Section, to out: inout TextPieces) {
        out += "\n## " + esc(section.title) + "\n"
        for block in section.blocks {
            guard block != .chart else { continue }
            out += "\n"
            write(block, to: &out)
        }
    }

    func write(_ block: PostmortemDocument.Block, to out: inout TextPieces) {
        switch block {
        case .heading(let level, let text):
            out += String(repeating: "#", count: level) + " " + esc(text) + "\n"
        case .paragraph(let parts):
            out += inlines(parts) + "\n"
        case .bullets(let items):
            for item in items { out += "- " + inlines(item) + "\n" }
        case .tasks(let tasks):
            for task in tasks { out += (task.done ? "- [x] " : "- [ ] ") + inlines(task.inlines) + "\n" }
        case .table(let table):
            out += "| " + table.header.map(esc).joined(separator: " | ") + " |\n"
            out += "|" + table.numeric.map { $0 ? "---:|" : "---|" }.joined() + "\n"
            for row in table.rows {
                out += "| " + row.map { $0.isEmpty ? " " : esc($0) }.joined(separator: " | ") + " |\n"
            }
        case .chart:
            break
        case .timeline(let bullets):
            bullets.forEach { clock, line in
                out.append { bytes in
                    bytes.append(contentsOf: "- **".utf8)
                    bytes.append(contentsOf: esc(clock).utf8)
                    bytes.append(contentsOf: "**".utf8)
                    SafeText.appendMarkdown(line, keepingSpaces: true, to: &bytes)
                    bytes.append(0x0A)
                }
            }
        }
    }

    /// Inline runs: the first, when it is text, begins the line.
    func inlines(_ parts: [PostmortemDocument.Inline]) -> String {
        var out = ""
        for (index, part) in parts.enumerated() {
            switch part {
            case .text(let text):
                out += index == 0 ? SafeText.markdown(text, lineStart: true) + (text.utf8.count > 1 && text.last == " " ? " " : "") : esc(text, keepingSpaces: true)
            case .strong(let text): out += "**" + esc(text) + "**"
            case .code(let text): out += "`" + text.filter { $0 != "`" && !$0.isNewline } + "`"
            }
        }
        return out
    }

    func esc(_ text: String) -> String { SafeText.markdown(text) }

    /// Escaped, keeping a space at either end (runs that follow or precede another).
    func esc(_ text: String, keepingSpaces: Bool) -> String {
        guard keepingSpaces else { return esc(text) }
        return (text.first == " " ? " " : "") + esc(text) + (text.utf8.count > 1 && text.last == " " ? " " : "")
    }
}
