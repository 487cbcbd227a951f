import Testing
@testable import WarRoomKit

/// The Appendix's full timeline is written straight from the model's items, escaped on bytes.
/// It must read exactly as the same bullets written as inline runs do, whatever the text.
@Suite struct TimelineBulletsTests {
    static let texts = [
        "Plain words", "  spaces at both ends  ", "ends in a space ", "*bold* _under_ [link](x) <b> & | ~ # ! $ \\ `code`",
        "1. looks like a list", "- dash", "+ plus", "= equals", "\u{1B}[31mred\u{1B}[0m", "bidi \u{202E}reversed\u{202C} mark",
        "line\nbreak\ttab", "C1 \u{85} control", "combining after a space: \u{301}x", " \u{301}starts with a combining mark",
        "ends with a prepended mark \u{600} ", "\u{600} ", "ünïcode — dashes … and ✓", "quotes \"double\" and 'single'", "", " ", "#",
    ]

    static func bullets() -> PostmortemDocument.TimelineBullets {
        let day = Instant(milliseconds: 1_699_155_000_000)
        var items: [PostmortemModel.TimelineItem] = []
        for (index, text) in texts.enumerated() {
            for by in ["", "alice", " bob\u{1B}"] {
                items.append(PostmortemModel.TimelineItem(
                    at: Instant(milliseconds: day.milliseconds + Int64(index) * 3_600_000 * 5), kind: .note, text: text, by: by, seq: index + 1,
                    amended: index % 2 == 0, recordedAt: index % 3 == 0 ? Instant(milliseconds: day.milliseconds + 1) : nil,
                    evidence: index % 4 == 0 ? [PostmortemModel.Citation(seq: 9, at: day, probe: "errors <x>", values: [.init(name: "error_rate", value: 0.31)])] : []))
            }
        }
        var model = try! TranscriptFixture.originalIncident().model()
        model.incident.openedAt = day
        return PostmortemDocument.TimelineBullets(items: PostmortemTimeline(items), text: DocumentText(model))
    }

    static func documents() -> (fast: PostmortemDocument, runs: PostmortemDocument) {
        let bullets = bullets()
        var fast = PostmortemDocument(title: "T", warnings: [], header: [], body: [], appendix: nil)
        fast.body = [PostmortemDocument.Section(id: "a", title: "A", blocks: [.timeline(bullets)])]
        var runs = fast
        runs.body = [PostmortemDocument.Section(id: "a", title: "A", blocks: [.bullets(PostmortemDocument.Made(bullets.items.map(bullets.inlines)))])]
        return (fast, runs)
    }

    @Test func markdownIsTheSameAsTheBulletsAsRuns() {
        let (fast, runs) = Self.documents()
        let written = PostmortemMarkdown(document: fast).render()
        #expect(written == PostmortemMarkdown(document: runs).render())
        #expect(written.contains("\\*bold\\*"))
        #expect(fast.bodyWordCount == runs.bodyWordCount)
    }

    @Test func htmlIsTheSameAsTheBulletsAsRuns() {
        let (fast, runs) = Self.documents()
        let written = PostmortemHTML(model: nil, document: fast).render()
        #expect(written == PostmortemHTML(model: nil, document: runs).render())
        #expect(written.contains("&quot;double&quot;"))
    }

    @Test(arguments: texts + texts.map { " " + $0 } + texts.map { $0 + " " } + [" \u{301}", "x\u{600} ", "  ", " — em dash"])
    func bytesAreEscapedAsStringsAre(text: String) {
        let markdown = PostmortemMarkdown(document: PostmortemDocument(title: "", warnings: [], header: [], body: [], appendix: nil))
        for keepingSpaces in [true, false] {
            var bytes: [UInt8] = []
            Array(text.utf8).withUnsafeBufferPointer { SafeText.appendMarkdown($0, keepingSpaces: keepingSpaces, to: &bytes) }
            #expect(String(decoding: bytes, as: UTF8.self) == markdown.esc(text, keepingSpaces: keepingSpaces))
        }
        var html: [UInt8] = []
        Array(text.utf8).withUnsafeBufferPointer { SafeText.appendHTML($0, to: &html) }
        #expect(String(decoding: html, as: UTF8.self) == SafeText.html(text))
    }

    @Test func jsonItemsAreWrittenAsTheirValuesPrint() {
        for item in Self.bullets().items {
            var direct: [UInt8] = []
            PostmortemModel.writeJSON(item, to: &direct)
            var printed: [UInt8] = []
            PostmortemModel.json(item).writePretty(to: &printed, depth: 2, indent: 2)
            #expect(String(decoding: direct, as: UTF8.self) == String(decoding: printed, as: UTF8.self))
        }
    }
}
