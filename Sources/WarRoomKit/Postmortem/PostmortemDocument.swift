/// The postmortem as a document before it has a format: headings, paragraphs, lists and
/// tables of plain text. The Markdown and HTML renderers write the same blocks, so the two
/// always say the same thing, and the body's length is counted here, once, whatever the format.
///
/// The *body* (title block to Lessons Learned) is what a team publishes: brief, with a curated
/// timeline. The *Appendix* holds everything else in full.
struct PostmortemDocument {
    /// A run of text within a block; renderers escape it for their format.
    enum Inline: Equatable {
        case text(String)
        case strong(String)
        case code(String)

        var plain: String {
            switch self {
            case .text(let text), .strong(let text), .code(let text): return text
            }
        }
    }

    /// A checklist item.
    struct Task: Equatable {
        var done: Bool
        var inlines: [Inline]
    }

    /// A table of plain cells.
    struct Table: Equatable {
        var header: [String]
        /// Columns of figures, aligned right.
        var numeric: [Bool]
        var rows: [[String]]
    }

    enum Block: Equatable {
        /// A heading within a section (`###`, `####`).
        case heading(level: Int, text: String)
        case paragraph([Inline])
        case bullets([[Inline]])
        case tasks([Task])
        case table(Table)
        /// Where the HTML form puts its chart.
        case chart
    }

    /// A `##` section.
    struct Section {
        var id: String
        var title: String
        var blocks: [Block]
    }

    var title: String
    var warnings: [String]
    /// The facts under the title: incident, date, severity … final hash.
    var header: [[Inline]]
    /// Issue Summary … Lessons Learned.
    var body: [Section]
    /// Everything else; nil when left out (`--no-appendix`).
    var appendix: Section?

    /// The body's length: the title block and every section up to the Appendix (warnings are
    /// not part of it). Words are runs of non-space characters with a letter or a digit.
    var bodyWordCount: Int {
        var count = BriefText.wordCount(title)
        for item in header { count += Self.words(item) }
        for section in body {
            count += BriefText.wordCount(section.title)
            for block in section.blocks { count += Self.words(block) }
        }
        return count
    }

    static func words(_ inlines: [Inline]) -> Int {
        inlines.reduce(0) { $0 + BriefText.wordCount($1.plain) }
    }

    static func words(_ block: Block) -> Int {
        switch block {
        case .heading(_, let text): return BriefText.wordCount(text)
        case .paragraph(let inlines): return words(inlines)
        case .bullets(let items): return items.reduce(0) { $0 + words($1) }
        case .tasks(let tasks): return tasks.reduce(0) { $0 + words($1.inlines) }
        case .table(let table):
            return table.header.reduce(0) { $0 + BriefText.wordCount($1) } + table.rows.reduce(0) { sum, row in
                sum + row.reduce(0) { $0 + BriefText.wordCount($1) }
            }
        case .chart: return 0
        }
    }
}
