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
        return "<figure>\n\(svg)\n<figcaption>Error rate (errors probe) and request rate (traffic probe) over the incident; dashed lines mark the milestones.</figcaption>\n</figure>"
    }

    /// Adjusts Ink's output: task list items get a checkbox glyph, and block elements start on
    /// their own lines so the file reads well and diffs cleanly.
    static func tidy(_ html: String) -> String {
        var text = html
        // GitHub-flavoured alignment comes out as `align`, which HTML5 dropped.
        text = text.replacing(" align=\"right\"", with: " class=\"num\"")
        text = text.replacing(" align=\"left\"", with: "")
        text = text.replacing(" align=\"center\"", with: " class=\"center\"")
        text = text.replacing("<li>[ ] ", with: "<li class=\"task\"><span class=\"box\" aria-label=\"open\">☐</span>")
        text = text.replacing("<li>[x] ", with: "<li class=\"task\"><span class=\"box\" aria-label=\"done\">☑</span>")
        for tag in ["<h3>", "<h4>", "<p>", "<ul>", "</ul>", "<li", "<table>", "</table>", "<tr>", "<blockquote>"] {
            text = text.replacing(tag, with: "\n" + tag)
        }
        while text.hasPrefix("\n") { text.removeFirst() }
        return readableReferences(text)
    }

    /// Ink's output with the character references that carried user punctuation through the
    /// Markdown turned back into characters, except those HTML needs escaped. Runs after the
    /// adjustments above, which therefore never see user text as raw punctuation.
    static func readableReferences(_ html: String) -> String {
        guard html.contains("&#") else { return html }
        var result = String.UnicodeScalarView()
        let scalars = Array(html.unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "&", index + 1 < scalars.count, scalars[index + 1] == "#" {
                var end = index + 2
                var code: UInt32 = 0
                while end < scalars.count, end < index + 6, let digit = scalars[end].properties.numericType == .decimal ? scalars[end].value - 48 : nil {
                    code = code * 10 + digit
                    end += 1
                }
                if end > index + 2, end < scalars.count, scalars[end] == ";", let scalar = Unicode.Scalar(code), scalar.isASCII {
                    switch scalar {
                    case "<": result.append(contentsOf: "&lt;".unicodeScalars)
                    case ">": result.append(contentsOf: "&gt;".unicodeScalars)
                    case "&": result.append(contentsOf: "&amp;".unicodeScalars)
                    case "\"": result.append(contentsOf: "&quot;".unicodeScalars)
                    case "'": result.append(contentsOf: "&#39;".unicodeScalars)
                    default: result.append(scalar)
                    }
                    index = end + 1
                    continue
                }
            }
            result.append(scalars[index])
            index += 1
        }
        return String(result)
    }
}
