import Ink

/// Renders a postmortem as one self-contained HTML file: inline CSS, an inline SVG chart, no
/// scripts, fonts or anything else fetched from the network.
///
/// The body sections are the Markdown sections rendered by Ink. User strings reach Ink as
/// character references (see `SafeText.MarkdownDialect.references`), so Ink copies them
/// through as text and they can never become markup.
struct PostmortemHTML {
    let model: PostmortemModel

    static let style = """
        :root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--line:#d0d7de;--warn-bg:#fff8c5;--warn:#9a6700;--error:#c62828;--traffic:#1565c0}
        @media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--line:#30363d;--warn-bg:#3b2e00;--warn:#d29922;--error:#ff7b72;--traffic:#79c0ff}}
        body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        main{max-width:60rem;margin:0 auto;padding:1.5rem}
        h1{font-size:1.9rem;margin:.5rem 0 1rem}h2{border-bottom:1px solid var(--line);padding-bottom:.3rem;margin-top:2.2rem}
        h3{margin-top:1.5rem}h4{margin:1.2rem 0 .4rem}
        code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
        table{border-collapse:collapse;margin:.8rem 0;display:block;overflow-x:auto}
        th,td{border:1px solid var(--line);padding:.25rem .6rem;text-align:left;vertical-align:top}
        td.num,th.num{text-align:right}th.center,td.center{text-align:center}
        th{background:color-mix(in srgb,var(--line) 35%,transparent)}
        .warnings{background:var(--warn-bg);border-left:4px solid var(--warn);padding:.6rem 1rem;margin:1rem 0}
        .warnings p{margin:.3rem 0}
        li.task{list-style:none;margin-left:-1.3rem}.box{display:inline-block;width:1.3rem}
        figure{margin:1rem 0}figcaption{color:var(--muted);font-size:.9rem}
        svg.chart{width:100%;height:auto;font:12px system-ui,sans-serif}
        svg .plot{fill:none;stroke:var(--line)}svg .grid{stroke:var(--line);stroke-width:.5}
        svg .tick{stroke:var(--muted)}svg .axis,svg .legend{fill:var(--muted)}
        svg .axis.error{fill:var(--error)}svg .axis.traffic{fill:var(--traffic)}
        svg polyline,svg line.error,svg line.traffic{fill:none;stroke-width:2}
        svg .error{stroke:var(--error)}svg .traffic{stroke:var(--traffic)}
        svg circle.reading{fill:var(--bg);stroke:var(--fg);stroke-width:1.5}svg circle.reading.error{stroke:var(--error)}svg circle.reading.traffic{stroke:var(--traffic)}
        svg .marker{stroke:var(--muted);stroke-dasharray:4 3}svg .marker-label{fill:var(--fg);font-size:11px;paint-order:stroke;stroke:var(--bg);stroke-width:4px;stroke-linejoin:round}
        footer{color:var(--muted);font-size:.85rem;margin-top:3rem}
        """

    func render() -> String {
        let markdown = PostmortemMarkdown(model, dialect: .references)
        let parser = MarkdownParser()
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(SafeText.html("Postmortem: " + (model.incident.title.isEmpty ? "untitled incident" : model.incident.title)))</title>
            <style>
            \(Self.style)
            </style>
            </head>
            <body>
            <main>
            <article>

            """
        html += "<header>\n<h1>\(SafeText.html("Postmortem: " + (model.incident.title.isEmpty ? "untitled incident" : model.incident.title)))</h1>\n"
        if !model.warnings.isEmpty {
            html += "<div class=\"warnings\" role=\"alert\">\n"
            for warning in model.warnings {
                html += "<p><strong>Warning:</strong> \(SafeText.html(warning))</p>\n"
            }
            html += "</div>\n"
        }
        html += Self.tidy(parser.html(from: markdown.header())) + "\n</header>\n"
        for section in markdown.sections() {
            html += "<section id=\"\(section.id)\">\n<h2>\(SafeText.html(section.title))</h2>\n"
            if section.id == "timeline" { html += chartFigure() + "\n" }
            html += Self.tidy(parser.html(from: section.body)) + "\n</section>\n"
        }
        html += """
            </article>
            <footer>Compiled from \(SafeText.html(model.incident.transcriptFile)) (\(model.incident.entryCount) entries, final hash <code>\(SafeText.html(model.incident.finalHash))</code>). All times are UTC.</footer>
            </main>
            </body>
            </html>

            """
        return html
    }

    func chartFigure() -> String {
        guard let svg = PostmortemChart(chart: model.evidence.chart).svg() else {
            return "<p class=\"chart-empty\">No error-rate or traffic probes were recorded, so there is no chart.</p>"
        }
        let chart = model.evidence.chart
        var caption: String
        if let simulation = chart.simulation {
            let every = simulation.everySeconds == 60 ? "minute" : DurationText.format(milliseconds: Int64(simulation.everySeconds) * 1000)
            caption = "Error rate and request rate over the incident, from the drill's simulation (scenario \(SafeText.html(simulation.scenario))) re-run from this transcript and sampled every \(every); dots are the responders' errors and traffic probe readings; dashed lines mark the milestones."
        } else {
            caption = "Error rate (errors probe) and request rate (traffic probe) over the incident, joining the responders' readings; dashed lines mark the milestones."
            if let note = chart.simulationNote { caption += " The drill's simulation was not re-run: \(SafeText.html(SafeText.printable(note)))." }
        }
        return "<figure>\n\(svg)\n<figcaption>\(caption)</figcaption>\n</figure>"
    }

    /// Ink's output, adjusted in one pass over its UTF-8 (it can be megabytes):
    /// - GitHub-flavoured table alignment comes out as `align`, which HTML5 dropped: it becomes a class;
    /// - task list items (`[ ]`, `[x]`) get a checkbox glyph;
    /// - block elements start on their own lines, so the file reads well and diffs cleanly;
    /// - the character references that carried user punctuation through the Markdown become
    ///   characters again, except those HTML needs escaped.
    ///
    /// User text reaches Ink with every ASCII punctuation character as a reference, so none of
    /// the patterns below can match inside it.
    static func tidy(_ html: String) -> String {
        let input = Array(html.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + input.count / 16)
        var index = 0
        scan: while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "<") || byte == UInt8(ascii: " ") {
                for (pattern, replacement, newline) in rewrites where matches(input, at: index, pattern) {
                    if newline, !output.isEmpty { output.append(0x0A) }
                    output.append(contentsOf: replacement)
                    index += pattern.count
                    continue scan
                }
            } else if byte == UInt8(ascii: "&"), let (scalar, length) = numericReference(input, at: index) {
                switch scalar {
                case 0x3C: output.append(contentsOf: "&lt;".utf8)
                case 0x3E: output.append(contentsOf: "&gt;".utf8)
                case 0x26: output.append(contentsOf: "&amp;".utf8)
                case 0x22: output.append(contentsOf: "&quot;".utf8)
                case 0x27: output.append(contentsOf: "&#39;".utf8)
                default: output.append(scalar)
                }
                index += length
                continue
            }
            output.append(byte)
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Pattern, replacement, and whether it starts a new line; longer patterns first.
    static let rewrites: [([UInt8], [UInt8], Bool)] = {
        var rules: [(String, String, Bool)] = [
            (" align=\"right\"", " class=\"num\"", false),
            (" align=\"left\"", "", false),
            (" align=\"center\"", " class=\"center\"", false),
            ("<li>[ ] ", "<li class=\"task\"><span class=\"box\" aria-label=\"open\">☐</span>", true),
            ("<li>[x] ", "<li class=\"task\"><span class=\"box\" aria-label=\"done\">☑</span>", true),
        ]
        for tag in ["<h3>", "<h4>", "<p>", "<ul>", "</ul>", "<li", "<table>", "</table>", "<tr>", "<blockquote>"] {
            rules.append((tag, tag, true))
        }
        return rules.map { (Array($0.0.utf8), Array($0.1.utf8), $0.2) }
    }()

    static func matches(_ bytes: [UInt8], at index: Int, _ pattern: [UInt8]) -> Bool {
        guard index + pattern.count <= bytes.count else { return false }
        for offset in 0..<pattern.count where bytes[index + offset] != pattern[offset] { return false }
        return true
    }

    /// An ASCII character written `&#NN;` at `index`: the character and the reference's length.
    static func numericReference(_ bytes: [UInt8], at index: Int) -> (UInt8, Int)? {
        guard index + 3 < bytes.count, bytes[index + 1] == UInt8(ascii: "#") else { return nil }
        var value = 0
        var end = index + 2
        while end < bytes.count, end < index + 5, bytes[end] >= 0x30, bytes[end] <= 0x39 {
            value = value * 10 + Int(bytes[end] - 0x30)
            end += 1
        }
        guard end > index + 2, end < bytes.count, bytes[end] == UInt8(ascii: ";"), (0x20..<0x7F).contains(value) else { return nil }
        return (UInt8(value), end + 1 - index)
    }
}
