import Testing
import WarRoomKit

/// Hostile strings in every user-written field cannot inject structure or escape codes into any format.
@Suite struct PostmortemEscapingTests {
    static let script = "<script>alert(1)</script>"
    static let markdown = "*bold* _em_ # heading [x](http://evil.example) ![i](http://evil.example/i.png) `code` | pipe \\ back"
    static let escape = "\u{1B}[31mred\u{1B}[0m\u{0}\u{202E}"
    static let hostile = "\(script) \(markdown) \(escape)"

    /// An incident in which every field a responder types holds the hostile string.
    static func incident() throws -> PostmortemModel {
        var t = TranscriptFixture(title: hostile, severity: "SEV-1")
        t.by = hostile
        t.add(.role, data: ["role": .string(hostile), "name": .string(hostile)])
        t.at("03:45")
        t.mark("detected", hostile)
        t.note(hostile + " #went-well")
        t.hypothesis("H1", hostile)
        t.ruleOut("H1", hostile)
        t.hypothesis("H2", hostile)
        t.confirm("H2", hostile)
        t.statement("root_cause", hostile)
        t.statement("trigger", "# " + hostile)
        t.statement("impact", "- " + hostile)
        t.action("A1", hostile, owner: hostile, type: "prevent", due: hostile)
        t.lb(hostile, action: "weight", backend: hostile, value: .string(hostile), from: 1, to: 2)
        t.add(.update, text: hostile)
        t.add(.escalation, text: hostile, data: ["to": .string(hostile), "reason": .string(hostile)])
        t.probe(hostile, [hostile: 1])
        t.add(.close, data: ["summary": .string(hostile)])
        return try t.model()
    }

    @Test func markdownNeitherCarriesEscapeCodesNorOpensStructure() throws {
        let text = PostmortemRenderer.render(try Self.incident(), format: .markdown)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!text.unicodeScalars.contains("\u{202E}"))
        #expect(text.contains("^[[31mred^[[0m^@[U+202E]") || text.contains("^\\[\\[31mred^\\[\\[0m^@\\[U+202E\\]"))
        #expect(!text.contains("<script>"))
        #expect(text.contains("\\<script\\>alert(1)\\</script\\>"))
        // Only the document's own headings start lines with '#', and the text after them is escaped.
        let headings = text.split(separator: "\n").filter { $0.hasPrefix("#") }
        #expect(headings.allSatisfy { $0.hasPrefix("# Postmortem: \\<script") || $0.hasPrefix("## ") || $0.hasPrefix("### ") || $0.hasPrefix("#### ") })
        #expect(headings.count == 19)
        // Text that begins a line or a list item cannot open a list, a heading or a table there.
        #expect(!text.contains("\n- - "))
        #expect(!text.contains("\n- 1. "))
    }

    @Test func userTextThatLooksLikeMarkdownBlocksStaysText() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.mark("detected")
        t.action("A1", "- nested list item", owner: "sre", type: "prevent")
        t.action("A2", "1. numbered", owner: "sre", type: "process")
        t.note("# not a heading #went-well")
        t.note("| not | a table | #went-wrong")
        t.note("+ plus #lucky")
        t.statement("root_cause", "=== underline")
        let text = PostmortemRenderer.render(try t.model(), format: .markdown)
        guard let html = try ExternalTool.cmark.run([], input: text)?.output else { return }
        #expect(!html.contains("<ol"))
        #expect(!html.contains("<table"))
        #expect(!html.contains("<li>\n<ul>"), "no nested list")
        #expect(html.components(separatedBy: "<h1>").count - 1 == 1)
        for literal in ["- nested list item", "1. numbered", "# not a heading", "| not | a table |", "+ plus", "=== underline"] {
            #expect(html.contains(literal), "'\(literal)' should be shown as text")
        }
    }

    @Test func markdownRendersTheHostileStringAsText() throws {
        let text = PostmortemRenderer.render(try Self.incident(), format: .markdown)
        guard let html = try ExternalTool.cmark.run([], input: text)?.output else { return }
        #expect(!html.contains("<script"))
        #expect(!html.contains("<a "))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<em>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; *bold* _em_ # heading [x](http://evil.example)"))
        #expect(html.components(separatedBy: "<code>").count - 1 == 1, "only the final hash is code")
        let headings = html.split(separator: "\n").filter { $0.hasPrefix("<h") }
        // Title, 7 sections, Detection, 9 parts of the Appendix, one probe table: none from user strings.
        #expect(headings.count == 1 + 7 + 1 + 9 + 1, "\(headings.joined(separator: "\n"))")
    }

    @Test func htmlEscapesEveryUserString() throws {
        let html = PostmortemRenderer.render(try Self.incident(), format: .html)
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<a "))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<em>"))
        #expect(!html.contains("href="))
        #expect(!html.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!html.unicodeScalars.contains("\u{202E}"))
        #expect(html.contains("<title>Postmortem: &lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; *bold* _em_ # heading [x](http://evil.example) ![i](http://evil.example/i.png) `code` | pipe \\ back ^[[31mred^[[0m^@[U+202E]"))
    }

    @Test func jsonKeepsTheStringsFaithfullyAndEscaped() throws {
        let text = PostmortemRenderer.render(try Self.incident(), format: .json)
        #expect(!text.contains("<"))
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(text.contains(#"\u003cscript\u003ealert(1)\u003c/script\u003e"#))
        #expect(text.contains(#"\u001b[31mred"#))
        let json = try JSONValue.parse(text)
        #expect(json["incident"]?["title"] == .string(Self.hostile))
        #expect(json["summary"]?["root_cause"] == .string(Self.hostile))
        #expect(json["misleading_paths"]?.arrayValue?.first?["reason"] == .string(Self.hostile))
        #expect(json["measures"]?["tasks"]?.arrayValue?.first?["owner"] == .string(Self.hostile))
    }

    @Test func printableShowsControlsAsTheShellDoes() {
        #expect(SafeText.printable("a\u{1B}[31mb\u{0}c\u{7F}\td\ne") == "a^[[31mb^@c^? d e")
        #expect(SafeText.printable("x\u{202E}y\u{85}z") == "x[U+202E]y[U+0085]z")
        #expect(SafeText.printable("a\u{2066}b\u{200F}c\u{2028}d\u{061C}e") == "a[U+2066]b[U+200F]c d[U+061C]e")
        // Punctuation of the same Unicode block passes as it is.
        #expect(SafeText.printable("03:50–03:53 — H1 ruled out… ‘quoted’ • ok") == "03:50–03:53 — H1 ruled out… ‘quoted’ • ok")
    }

    @Test(arguments: [
        ("*a*", "\\*a\\*"), ("# h", "\\# h"), ("[x](y)", "\\[x\\](y)"), ("<b>", "\\<b\\>"), ("a|b", "a\\|b"), ("`c`", "\\`c\\`"),
        ("back\\slash", "back\\\\slash"), ("  padded  ", "padded"), ("under_score", "under\\_score"), ("a & b", "a \\& b"),
    ])
    func markdownEscapes(_ text: String, _ expected: String) {
        #expect(SafeText.markdown(text) == expected)
    }

    @Test(arguments: [("- item", "\\- item"), ("1. first", "1\\. first"), ("+ x", "\\+ x"), ("=== ", "\\===")])
    func markdownEscapesWhatWouldStartABlockAtTheStartOfALine(_ text: String, _ expected: String) {
        #expect(SafeText.markdown(text, lineStart: true) == expected)
        #expect(SafeText.markdown(text) == text.trimmingCharacters(in: " "))
    }

    @Test func htmlEscapes() {
        #expect(SafeText.html(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }
}

extension String {
    func trimmingCharacters(in character: Character) -> String {
        var slice = Substring(self)
        while slice.first == character { slice.removeFirst() }
        while slice.last == character { slice.removeLast() }
        return String(slice)
    }
}
