import Testing
import WarRoomKit

/// Section order and content of each format, all rendered from one model.
@Suite struct PostmortemRendererTests {
    static let sections = [
        "Issue Summary", "Timeline", "Root Cause and Resolution", "Corrective and Preventative Measures", "Metrics",
        "Lessons Learned", "Appendix",
    ]

    @Test func markdownHasTheSectionsInOrder() throws {
        let markdown = PostmortemRenderer.render(try TranscriptFixture.originalIncident().model(), format: .markdown)
        let headings = markdown.split(separator: "\n").filter { $0.hasPrefix("# ") || $0.hasPrefix("## ") }.map(String.init)
        #expect(headings == ["# Postmortem: Messaging outage"] + Self.sections.map { "## " + $0 })
        #expect(markdown.contains("- **Final hash:** `"))
        #expect(markdown.contains("- **Responders:** alice (commander); bob (operations)"))
        #expect(markdown.contains("**Duration:** 7h 50m, from 2023-11-05 03:40 UTC (impact start) to 11:30 UTC (resolved). All times are UTC."))
        #expect(markdown.contains("**Users affected:** 30% of users (from the impact statement)."))
        #expect(markdown.contains("- **04:05 UTC** — H2 ruled out (Database latency): database latency normal at 8 ms (alice). Evidence: db at 04:05 UTC (latency\\_ms 8 ms, error\\_rate 0.05%)"))
        #expect(markdown.contains("- [x] A1: Roll back the load balancer configuration (bob, mitigate, no due date)"))
        #expect(markdown.contains("- [ ] A2: Audit load balancer configuration after every change (sre, prevent, due 2023-12-01)"))
        #expect(markdown.contains("| Time to mitigate | 55m | detected 03:45 UTC → mitigated 04:40 UTC |"))
        #expect(markdown.contains("### Misleading paths"))
        #expect(markdown.contains("| errors | error\\_rate | 31% at 03:45 UTC | 2% at 04:40 UTC | 0.1% at 11:20 UTC |"))
        #expect(markdown.hasSuffix("\n"))
    }

    @Test func jsonHasTheContractsTopLevelKeysInOrder() throws {
        let text = PostmortemRenderer.render(try TranscriptFixture.originalIncident().model(), format: .json)
        let json = try JSONValue.parse(text)
        #expect(json.objectValue?.keys == [
            "incident", "summary", "timeline", "misleading_paths", "measures", "metrics", "lessons", "adherence", "evidence", "warnings",
        ])
        #expect(json["summary"]?.objectValue?.keys.prefix(3) == ["start", "end", "timezone"])
        #expect(json["summary"]?["users_affected"] == 0.3)
        #expect(json["summary"]?["start"] == "2023-11-05T03:40:00.000Z")
        #expect(json["misleading_paths"]?.arrayValue?.first?.objectValue?.keys.prefix(5) == ["id", "hypothesis", "reason", "raised_at", "ruled_out_at"])
        #expect(json["measures"]?["improvements"]?.arrayValue?.count == 5)
        #expect(json["measures"]?["tasks"]?.arrayValue?.first?.objectValue?.keys == ["id", "text", "owner", "type", "due", "done"])
        #expect(json["timeline"]?.arrayValue?.first?.objectValue?.keys.prefix(3) == ["at", "kind", "text"])
        #expect(json["lessons"]?["went_well"]?.arrayValue?.first?["text"] == "Rollback took effect in minutes")
        #expect(text.hasPrefix("{\n  \"incident\": {\n    \"id\": \"INC-20231105-0330\","))
    }

    @Test func htmlIsOneSelfContainedFileWithTheSectionsAndAChart() throws {
        let html = PostmortemRenderer.render(try TranscriptFixture.originalIncident().model(), format: .html)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        let positions = Self.sections.map { html.firstRange(of: "<h2>\($0)</h2>")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        // Nothing fetched from the network: no scripts, no external stylesheets, fonts or images.
        for forbidden in ["<script", "<link", "@import", "url(", "<img", "src="] {
            #expect(!html.contains(forbidden), "\(forbidden)")
        }
        #expect(html.contains("<style>"))
        let svg = try #require(html.firstRange(of: "<svg")).lowerBound
        #expect(try #require(html.firstRange(of: "<h2>Timeline</h2>")).lowerBound < svg)
        #expect(html.contains(#"<polyline class="error""#))
        #expect(html.contains(#"<polyline class="traffic""#))
        for label in ["impact-start 03:40", "detected 03:45", "mitigated 04:40", "resolved 11:30"] {
            #expect(html.contains(">\(label)</text>"), "\(label)")
        }
        #expect(html.contains(">Time (UTC), 2023-11-05</text>"))
        #expect(html.contains(#"<span class="box" aria-label="done">☑</span>A1: Roll back"#))
    }

    @Test func chartIsReplacedByASentenceWithoutErrorOrTrafficProbes() throws {
        var t = TranscriptFixture()
        t.probe("db", ["latency_ms": 8])
        let html = PostmortemRenderer.render(try t.model(), format: .html)
        #expect(!html.contains("<svg"))
        #expect(html.contains("No error-rate or traffic probes were recorded"))
    }

    @Test(arguments: PostmortemFormat.allCases)
    func renderingIsDeterministic(_ format: PostmortemFormat) throws {
        let first = PostmortemRenderer.render(try TranscriptFixture.originalIncident().model(), format: format)
        let second = PostmortemRenderer.render(try TranscriptFixture.originalIncident().model(), format: format)
        #expect(first == second)
    }

    @Test func emptyIncidentStillRendersEverySection() throws {
        let model = try TranscriptFixture().model()
        let markdown = PostmortemRenderer.render(model, format: .markdown)
        for section in Self.sections { #expect(markdown.contains("## \(section)\n")) }
        #expect(markdown.contains("No root cause was recorded."))
        #expect(markdown.contains("No hypothesis was ruled out."))
        #expect(markdown.contains("No action items were recorded."))
        #expect(markdown.contains("The transcript records no playbook steps."))
    }

    @Test(arguments: [("markdown", PostmortemFormat.markdown), ("md", .markdown), ("JSON", .json), ("html", .html)])
    func formatNames(_ name: String, _ format: PostmortemFormat) {
        #expect(PostmortemFormat(name: name) == format)
        #expect(PostmortemFormat(name: "pdf") == nil)
    }
}
