/// Renders a postmortem as one self-contained HTML file: inline CSS, an inline SVG chart, no
/// scripts, fonts or anything else fetched from the network.
///
/// The HTML is written straight from the document's blocks, with every string escaped
/// (`SafeText.html`), so user text can never become markup. (It used to go through a
/// Markdown-to-HTML library, which rendered about 1.4 MB of Markdown a second: most of the
/// time of a long incident's postmortem.)
struct PostmortemHTML {
    /// The postmortem (`nil` for another document on the same page, a debrief).
    let model: PostmortemModel?
    let document: PostmortemDocument
    /// What the `.chart` block draws (the postmortem's: the model's chart).
    var chart: (() -> String)?
    /// The line under the document.
    var footer: String?
    /// What the Appendix's fold says it holds.
    var appendixSummary = "The full timeline, milestones, configuration changes, misleading paths, action items and lessons in full, playbook adherence and probe evidence"

    static let style = """
        :root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--line:#d0d7de;--warn-bg:#fff8c5;--warn:#9a6700;--error:#c62828;--traffic:#1565c0;--band:#fdecea}
        @media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--line:#30363d;--warn-bg:#3b2e00;--warn:#d29922;--error:#ff7b72;--traffic:#79c0ff;--band:#3d1d1d}}
        body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        main{max-width:60rem;margin:0 auto;padding:1.5rem}
        h1{font-size:1.9rem;margin:.5rem 0 1rem}h2{border-bottom:1px solid var(--line);padding-bottom:.3rem;margin-top:2.2rem}
        h3{margin-top:1.5rem}h4{margin:1.2rem 0 .4rem}
        code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
        table{border-collapse:collapse;margin:.8rem 0;display:block;overflow-x:auto}
        th,td{border:1px solid var(--line);padding:.25rem .6rem;text-align:left;vertical-align:top}
        td.num,th.num{text-align:right}
        th{background:color-mix(in srgb,var(--line) 35%,transparent)}
        .warnings{background:var(--warn-bg);border-left:4px solid var(--warn);padding:.6rem 1rem;margin:1rem 0}
        .warnings p{margin:.3rem 0}
        ul.tasks{list-style:none;padding-left:.5rem}.box{display:inline-block;width:1.3rem}
        details>summary{cursor:pointer;color:var(--muted)}
        figure{margin:1rem 0}figcaption{color:var(--muted);font-size:.9rem}
        svg.chart{width:100%;height:auto;font:12px system-ui,sans-serif}
        svg .plot{fill:none;stroke:var(--line)}svg .grid{stroke:var(--line);stroke-width:.5}svg .band{fill:var(--band)}svg .break{stroke:var(--muted);stroke-dasharray:2 2}
        svg .tick{stroke:var(--muted)}svg .axis,svg .legend{fill:var(--muted)}
        svg .axis.error{fill:var(--error)}svg .axis.traffic{fill:var(--traffic)}
        svg polyline,svg line.error,svg line.traffic{fill:none;stroke-width:2}
        svg .error{stroke:var(--error)}svg .traffic{stroke:var(--traffic)}
        svg circle.reading{fill:var(--bg);stroke:var(--fg);stroke-width:1.5}svg circle.reading.error{stroke:var(--error)}svg circle.reading.traffic{stroke:var(--traffic)}
        svg .marker{stroke:var(--muted);stroke-dasharray:4 3}svg .marker.config{stroke:var(--traffic)}svg .change{fill:var(--traffic)}
        svg .marker-label{fill:var(--fg);font-size:11px;paint-order:stroke;stroke:var(--bg);stroke-width:4px;stroke-linejoin:round}
        footer{color:var(--muted);font-size:.85rem;margin-top:3rem}
        """

    func render() -> String {
        TextPieces.joined(render(into:))
    }

    /// The document a piece at a time (see `PostmortemMarkdown.render(into:)`).
    func render(into emit: ([UInt8]) -> Void) {
        TextPieces.write(into: emit) { write(to: &$0) }
    }

    private func write(to html: inout TextPieces) {
        let title = SafeText.html(document.title)
        html += """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title>
            <style>
            \(Self.style)
            </style>
            </head>
            <body>
            <main>
            <article>
            <header>
            <h1>\(title)</h1>

            """
        if !document.warnings.isEmpty {
            html += "<div class=\"warnings\" role=\"alert\">\n"
            for warning in document.warnings { html += "<p><strong>Warning:</strong> \(SafeText.html(warning))</p>\n" }
            html += "</div>\n"
        }
        html += "<ul>\n"
        for item in document.header { html += "<li>" + inlines(item) + "</li>\n" }
        html += "</ul>\n</header>\n"
        for section in document.body {
            html += "<section id=\"\(section.id)\">\n<h2>\(SafeText.html(section.title))</h2>\n"
            write(section.blocks, to: &html)
            html += "</section>\n"
        }
        if let appendix = document.appendix {
            html += "<section id=\"\(appendix.id)\">\n<h2>\(SafeText.html(appendix.title))</h2>\n<details>\n"
            html += "<summary>\(SafeText.html(appendixSummary))</summary>\n"
            write(appendix.blocks, to: &html)
            html += "</details>\n</section>\n"
        }
        html += """
            </article>
            <footer>\(footer ?? model.map { "Compiled from \(SafeText.html($0.incident.transcriptFile)) (\($0.incident.entryCount) entries, final hash <code>\(SafeText.html($0.incident.finalHash))</code>). All times are UTC." } ?? "")</footer>
            </main>
            </body>
            </html>

            """
    }

    func write(_ blocks: [PostmortemDocument.Block], to html: inout TextPieces) {
        for block in blocks {
            switch block {
            case .heading(let level, let text):
                html += "<h\(level)>\(SafeText.html(text))</h\(level)>\n"
            case .paragraph(let parts):
                html += "<p>" + inlines(parts) + "</p>\n"
            case .bullets(let items):
                html += "<ul>\n"
                for item in items { html += "<li>" + inlines(item) + "</li>\n" }
                html += "</ul>\n"
            case .tasks(let tasks):
                html += "<ul class=\"tasks\">\n"
                for task in tasks {
                    let box = task.done ? "<span class=\"box\" aria-label=\"done\">☑</span>" : "<span class=\"box\" aria-label=\"open\">☐</span>"
                    html += "<li>" + box + inlines(task.inlines) + "</li>\n"
                }
                html += "</ul>\n"
            case .table(let table):
                html += "<table>\n<thead>\n<tr>"
                for (index, cell) in table.header.enumerated() {
                    html += (table.numeric[index] ? "<th class=\"num\">" : "<th>") + SafeText.html(cell) + "</th>"
                }
                html += "</tr>\n</thead>\n<tbody>\n"
                for row in table.rows {
                    html += "<tr>"
                    for (index, cell) in row.enumerated() {
                        html += (index < table.numeric.count && table.numeric[index] ? "<td class=\"num\">" : "<td>") + SafeText.html(cell) + "</td>"
                    }
                    html += "</tr>\n"
                }
                html += "</tbody>\n</table>\n"
            case .chart:
                html += (chart?() ?? chartFigure()) + "\n"
            case .timeline(let bullets):
                html += "<ul>\n"
                bullets.forEach { clock, line in
                    html.append { bytes in
                        bytes.append(contentsOf: "<li><strong>".utf8)
                        bytes.append(contentsOf: SafeText.html(clock).utf8)
                        bytes.append(contentsOf: "</strong>".utf8)
                        SafeText.appendHTML(line, to: &bytes)
                        bytes.append(contentsOf: "</li>\n".utf8)
                    }
                }
                html += "</ul>\n"
            }
        }
    }

    func inlines(_ parts: [PostmortemDocument.Inline]) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text): out += SafeText.html(text)
            case .strong(let text): out += "<strong>" + SafeText.html(text) + "</strong>"
            case .code(let text): out += "<code>" + SafeText.html(text) + "</code>"
            }
        }
        return out
    }

    func chartFigure() -> String {
        guard let chart = model?.evidence.chart else { return "" }
        guard let svg = PostmortemChart(chart: chart).svg() else {
            var text = "No error-rate or traffic probes were recorded, so there is no chart."
            if let note = chart.simulationNote { text += " The drill's simulation was not re-run: \(SafeText.html(SafeText.printable(note)))." }
            return "<p class=\"chart-empty\">\(text)</p>"
        }
        return "<figure>\n\(svg)\n<figcaption>\(SafeText.html(PostmortemChart(chart: chart).caption()))</figcaption>\n</figure>"
    }
}
