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
        var rows: Made<[String]>

        init(header: [String], numeric: [Bool], rows: [[String]]) {
            self.init(header: header, numeric: numeric, rows: Made(rows))
        }

        init(header: [String], numeric: [Bool], rows: Made<[String]>) {
            self.header = header
            self.numeric = numeric
            self.rows = rows
        }
    }

    /// A block's bullets or rows, made when the document is written: a long incident's lists
    /// (lessons, configuration changes) are tens of thousands of items, never held as text.
    /// Made in groups: the items made from one of the model's (a change and its lines) are made
    /// together.
    struct Made<Item: Equatable>: Sequence, Equatable, ExpressibleByArrayLiteral {
        private let groups: Int
        private let make: (Int) -> [Item]

        init(_ items: [Item]) {
            groups = items.count
            make = { [items[$0]] }
        }

        init(arrayLiteral items: Item...) { self.init(items) }

        /// `groups` groups of items, group `i` made by `make(i)`.
        init(groups: Int, make: @escaping (Int) -> [Item]) {
            self.groups = groups
            self.make = make
        }

        /// Whether there are no groups (a group is never empty).
        var isEmpty: Bool { groups == 0 }

        func makeIterator() -> FlattenSequence<LazyMapSequence<Range<Int>, [Item]>>.Iterator {
            (0..<groups).lazy.map(make).joined().makeIterator()
        }

        static func == (a: Made, b: Made) -> Bool { a.elementsEqual(b) }
    }

    enum Block: Equatable {
        /// A heading within a section (`###`, `####`).
        case heading(level: Int, text: String)
        case paragraph([Inline])
        case bullets(Made<[Inline]>)
        case tasks([Task])
        case table(Table)
        /// Where the HTML form puts its chart.
        case chart
        /// The Appendix's full timeline: bullets written straight from the model's items, a
        /// long incident's hundreds of thousands never held as inline runs.
        case timeline(TimelineBullets)
    }

    /// The full timeline's bullets: `**time** — text (by; recorded at …; amended; #seq). Evidence: …`.
    struct TimelineBullets: Equatable {
        let items: PostmortemTimeline
        let text: DocumentText

        static func == (a: TimelineBullets, b: TimelineBullets) -> Bool { a.items == b.items && a.text.day == b.text.day }

        /// The bullet's time, in bold.
        func clock(_ item: PostmortemModel.TimelineItem) -> String { text.clock(item.at) }

        /// The rest of the bullet, from ` — `, as UTF-8 at the end of `line`.
        func write(_ item: PostmortemModel.TimelineItem, to line: inout [UInt8]) {
            line.append(contentsOf: " — ".utf8)
            line.append(contentsOf: item.text.utf8)
            line.append(contentsOf: " (".utf8)
            if !item.by.isEmpty {
                line.append(contentsOf: item.by.utf8)
                line.append(contentsOf: "; ".utf8)
            }
            if let recorded = item.recordedAt {
                line.append(contentsOf: "recorded at ".utf8)
                line.append(contentsOf: text.clock(recorded).utf8)
                line.append(contentsOf: "; ".utf8)
            }
            if item.amended { line.append(contentsOf: "amended; ".utf8) }
            line.append(UInt8(ascii: "#"))
            line.append(contentsOf: String(item.seq).utf8)
            line.append(UInt8(ascii: ")"))
            for (index, citation) in item.evidence.enumerated() {
                line.append(contentsOf: (index == 0 ? ". Evidence: " : "; ").utf8)
                line.append(contentsOf: text.citation(citation).utf8)
            }
        }

        /// Calls `body` with each bullet's time and the rest of it as UTF-8 (one buffer, reused).
        func forEach(_ body: (_ clock: String, _ line: UnsafeBufferPointer<UInt8>) -> Void) {
            var line: [UInt8] = []
            for item in items {
                line.removeAll(keepingCapacity: true)
                write(item, to: &line)
                line.withUnsafeBufferPointer { body(clock(item), $0) }
            }
        }

        /// The bullet as inline runs, as a list's item would be.
        func inlines(_ item: PostmortemModel.TimelineItem) -> [Inline] {
            var line: [UInt8] = []
            write(item, to: &line)
            return [.strong(clock(item)), .text(String(decoding: line, as: UTF8.self))]
        }
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
        case .timeline(let bullets): return bullets.items.reduce(0) { $0 + words(bullets.inlines($1)) }
        }
    }
}
