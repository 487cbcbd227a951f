import Testing
import WarRoomTestSupport
@testable import WarRoomKit

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
        for line in [
            "- **Incident:** INC-20231105-0330, SEV-1, closed, 2023-11-05",
            "- **Responders:** alice (commander), bob (operations)",
            "**Duration:** users were affected for 1 h, 2023-11-05 03:40–04:40 UTC, from impact start to mitigation; the incident ran 7 h 50 min, to resolution at 11:30 UTC.",
            "**Impact:** 30.0% of users had requests fail because of the incident between impact start and mitigation (impact statement). Users saw: About 30% of users could not send or receive messages.",
            "- **03:55–04:05 UTC** — H2 Database latency ruled out: database latency normal at 8 ms",
            "- **04:30 UTC** — Rollback to v1 by bob",
            "- **04:40 UTC** — Mitigated: errors 31.0% at 03:45 → 2.0% at 04:40",
            "### Detection",
            "**Resolution.** Rolled back to v1 at 04:30 UTC by bob. Errors 31.0% at 03:45 → 2.0% at 04:40 UTC, mitigated.",
            "- [ ] A2 Audit load balancer configuration after every change (sre, prevent, 2023-12-01)",
            "Done: A1 Roll back the load balancer configuration (mitigate).",
            "| Time to mitigate | 55 min |",
            // The Appendix has everything in full.
            "- **04:05 UTC** — H2 ruled out (Database latency): database latency normal at 8 ms (alice; \\#17). Evidence: db at 04:05 UTC (latency 8 ms, error rate 0.05%)",
            "- [x] A1: Roll back the load balancer configuration (bob, mitigate, no due date)",
            "### Misleading paths",
            "| errors | error rate | 31.0% at 03:45 UTC | 2.0% at 04:40 UTC | 0.1% at 11:20 UTC |",
        ] {
            #expect(markdown.contains(line), "the Markdown lacks '\(line)'")
        }
        #expect(markdown.hasSuffix("\n"))
    }

    @Test func theAppendixIsLeftOutOnRequest() throws {
        let model = try TranscriptFixture.originalIncident().model()
        let markdown = PostmortemRenderer.render(model, format: .markdown, appendix: false)
        #expect(!markdown.contains("## Appendix"))
        #expect(!markdown.contains("### Full timeline"))
        #expect(markdown.contains("## Lessons Learned"))
        let html = PostmortemRenderer.render(model, format: .html, appendix: false)
        #expect(!html.contains("<details>"))
        // JSON always holds everything.
        #expect(PostmortemRenderer.render(model, format: .json, appendix: false) == PostmortemRenderer.render(model, format: .json))
    }

    @Test func jsonHasTheContractsTopLevelKeysInOrder() throws {
        let text = PostmortemRenderer.render(try TranscriptFixture.originalIncident().model(), format: .json)
        let json = try JSONValue.parse(text)
        #expect(json.objectValue?.keys == [
            "incident", "summary", "timeline", "curated_timeline", "detection", "misleading_paths", "resolution", "measures", "metrics",
            "lessons", "adherence", "evidence", "warnings", "notifications",
        ])
        #expect(json["summary"]?.objectValue?.keys.prefix(3) == ["start", "end", "timezone"])
        #expect(json["summary"]?["users_affected"] == 0.3)
        #expect(json["summary"]?["users_affected_source"] == "impact-statement")
        #expect(json["summary"]?["users_affected_window"]?["through_basis"] == "mitigated")
        #expect(json["summary"]?["impact_to_mitigation_s"] == 3600)
        #expect(json["summary"]?["start"] == "2023-11-05T03:40:00.000Z")
        #expect(json["misleading_paths"]?.arrayValue?.first?.objectValue?.keys.prefix(5) == ["id", "hypothesis", "reason", "raised_at", "ruled_out_at"])
        #expect(json["measures"]?["improvements"]?.arrayValue?.count == 5)
        #expect(json["measures"]?["tasks"]?.arrayValue?.first?.objectValue?.keys == ["id", "text", "owner", "type", "due", "done"])
        #expect(json["timeline"]?.arrayValue?.first?.objectValue?.keys.prefix(3) == ["at", "kind", "text"])
        #expect(json["curated_timeline"]?["events"]?.arrayValue?.first?["text"] == "Configuration v2 by maintenance-automation: the trigger")
        #expect(json["resolution"]?["steps"]?.arrayValue?.compactMap { $0["role"]?.stringValue } == ["trigger", "rollback", "permanent-fix"])
        #expect(json["resolution"]?["relief"]?["after"]?["value"] == 0.02)
        #expect(json["metrics"]?["impact_to_mitigation_s"] == 3600)
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
        for label in ["impact-start 03:40", "detected 03:45", "mitigated 04:40", "resolved 11:30", "trigger v2 03:40", "rollback v3 04:30", "fix v4 11:20"] {
            #expect(html.contains(">\(label)</text>"), "\(label)")
        }
        // The Appendix is folded away, the body is not.
        let details = try #require(html.firstRange(of: "<details>")).lowerBound
        #expect(try #require(html.firstRange(of: "<h2>Appendix</h2>")).lowerBound < details)
        #expect(try #require(html.firstRange(of: "<h3>Full timeline</h3>")).lowerBound > details)
        #expect(html.contains(#"<span class="box" aria-label="done">☑</span>A1: Roll back"#))
        #expect(html.contains(#"<span class="box" aria-label="open">☐</span>A2 Audit"#))
    }

    @Test func theChartGivesTheImpactWindowHalfItsWidthAndSaysWhatItShows() throws {
        let model = try TranscriptFixture.originalIncident().model()
        let chart = PostmortemChart(chart: model.evidence.chart)
        let (start, end) = try #require(chart.span)
        let segments = chart.segments(start: start, end: end)
        // 03:40–04:40 is an hour of the 03:40–11:30 drawn: it gets its own scale, the rest is compressed.
        #expect(segments.count == 2)
        let window = try #require(segments.first { !$0.compressed })
        #expect(window.from == TranscriptFixture.time("03:40"))
        #expect(window.to == TranscriptFixture.time("04:40"))
        #expect((window.x1 - window.x0) / (chart.width - chart.left - chart.right) >= 0.5)
        let caption = chart.caption()
        #expect(caption.hasPrefix("Probed: the lines join the responders' errors and traffic probe readings; nothing is simulated"))
        #expect(caption.contains("The impact window, 03:40–04:40 UTC (impact-start to mitigated), is shaded and takes 60% of the width; the 6 h 50 min after are compressed."))
        let svg = try #require(chart.svg())
        // Every configuration change is marked; the trigger, the rollback and the fix are named.
        #expect(svg.components(separatedBy: #"class="change"><title>"#).count - 1 == 3)
        #expect(svg.contains(#"class="band""#))
    }

    @Test func aShortIncidentIsDrawnAtOneScale() throws {
        var t = TranscriptFixture()
        t.at("03:45")
        t.probe("errors", ["error_rate": 0.3])
        t.mark("impact-start", at: "03:40")
        t.mark("detected")
        t.at("04:00")
        t.probe("errors", ["error_rate": 0.01])
        t.mark("mitigated")
        let chart = PostmortemChart(chart: try t.model().evidence.chart)
        let (start, end) = try #require(chart.span)
        // 03:40–04:00 of 03:30–04:00: two thirds of the incident already.
        #expect(chart.segments(start: start, end: end).count == 1)
        #expect(!chart.caption().contains("compressed"))
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
        for line in ["**Root cause:** not recorded.", "**Root cause.** Not recorded.", "No hypothesis was ruled out.", "No action items were recorded.",
                     "The transcript records no playbook steps.", "Detection was never marked", "Mitigation was never marked."] {
            #expect(markdown.contains(line), "the Markdown lacks '\(line)'")
        }
        #expect(model.warnings.contains { $0.hasPrefix("No milestones were marked") })
    }

    @Test(arguments: [("markdown", PostmortemFormat.markdown), ("md", .markdown), ("JSON", .json), ("html", .html)])
    func formatNames(_ name: String, _ format: PostmortemFormat) {
        #expect(PostmortemFormat(name: name) == format)
        #expect(PostmortemFormat(name: "pdf") == nil)
    }

    /// What a file or a pipe gets a piece at a time is the document rendered whole; no piece
    /// holds much more than one (a long Appendix is several).
    @Test(arguments: PostmortemFormat.allCases)
    func piecesJoinedAreTheDocument(format: PostmortemFormat) throws {
        var fixture = TranscriptFixture.originalIncident()
        for number in 1...2_000 { _ = fixture.note("Reading number \(number) of the pool's <weights> & \"errors\" — ünïcode ✓") }
        let model = try fixture.model()
        var pieces: [[UInt8]] = []
        PostmortemRenderer.write(model, format: format) { pieces.append($0) }
        #expect(pieces.count > 2)
        let joined = String(decoding: pieces.joined(), as: UTF8.self)
        #expect(joined == PostmortemRenderer.render(model, format: format))
        if format == .json { #expect(joined == model.jsonValue.prettyPrinted()) }
        #expect(pieces.dropLast().allSatisfy { $0.count >= TextPieces.pieceSize && $0.count < TextPieces.pieceSize + 8192 })
    }

    @Test func aPostmortemWrittenToAFileIsTheDocument() throws {
        let model = try TranscriptFixture.originalIncident().model()
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("postmortem.html")
        try PostmortemRenderer.write(model, format: .html, toFile: path)
        #expect(try String(decoding: TranscriptLog.readBytes(path: path), as: UTF8.self) == PostmortemRenderer.render(model, format: .html))
    }
}
