import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// The worked example in `Transcripts/examples/`: the 2023-11-05 load-balancer incident,
/// worked in the shell from a committed command script. These tests keep the committed
/// transcript and postmortems equal to what the product produces today, and check that the
/// postmortem tells the incident's story.
@Suite struct WorkedExampleTests {
    static let name = "lb-misconfig-2023-11-05"
    static let examples = "Transcripts/examples"
    static let transcript = "\(examples)/\(name).jsonl"
    static let regenerate = "if the change is intended, run scripts/regenerate-example and commit the outputs"

    /// The committed file `name` under the examples folder.
    static func committed(_ file: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/\(examples)/\(file)"))
    }

    /// Runs `warroom ARGUMENTS` from the repository root, as scripts/regenerate-example does.
    static func warroom(_ arguments: [String], input: String = "") throws -> ProcessResult {
        try WarRoomBinary.run(arguments, input: input, directory: repositoryRoot)
    }

    /// A transcript's entries with the fields that change from run to run (`wall`, and
    /// `hash`, which covers it) blanked.
    static func comparableEntries(_ data: Data) throws -> [JSONValue] {
        try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            guard case .object(let object) = try JSONValue.parse(String(line)) else {
                Issue.record("a transcript line is not a JSON object: \(line.prefix(80))")
                return .null
            }
            return .object(JSONObject(object.members.map { member in
                ["wall", "hash"].contains(member.key) ? JSONMember(member.key, .null) : member
            }))
        }
    }

    // MARK: - (a) the script still produces the committed transcript

    @Test func runningTheScriptAgainGivesTheCommittedTranscript() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let script = String(decoding: try Self.committed("\(Self.name).commands"), as: UTF8.self)
        let run = try Self.warroom(["start", "--playbook", "lb-cascading-failure", "--scenario", Self.name, "--playbooks", "Playbooks",
                                    "--clock", "virtual", "--speed", "0", "--as", "dana", "--transcripts", folder.path], input: script)
        #expect(run.status == 0, "the example script failed: \(run.stderr.split(separator: "\n").filter { !$0.hasPrefix("  ") }.suffix(5).joined(separator: "\n"))")
        let written = try #require(transcripts(in: folder.path).first, "the example script wrote no transcript")
        let fresh = try Self.comparableEntries(Data(contentsOf: URL(fileURLWithPath: written)))
        let expected = try Self.comparableEntries(Self.committed("\(Self.name).jsonl"))
        if let index = expected.indices.first(where: { $0 < fresh.count && expected[$0] != fresh[$0] }) {
            let seq = expected[index]["seq"]?.intValue ?? index + 1
            let differing = Self.differingFields(expected[index], fresh[index])
            Issue.record("""
                the worked example's transcript differs from the committed one first at seq \(seq) \
                (fields \(differing.joined(separator: ", "))): committed \
                \(Self.summary(expected[index])), now \(Self.summary(fresh[index])); \(Self.regenerate)
                """)
        } else if expected.count != fresh.count {
            Issue.record("""
                the worked example's transcript has \(fresh.count) entries, the committed one \
                \(expected.count); the first differing seq is \(min(expected.count, fresh.count) + 1); \(Self.regenerate)
                """)
        }
    }

    static func differingFields(_ a: JSONValue, _ b: JSONValue) -> [String] {
        guard case .object(let x) = a, case .object(let y) = b else { return ["the whole entry"] }
        let keys = x.keys + y.keys.filter { !x.keys.contains($0) }
        return keys.filter { x[$0] != y[$0] }
    }

    static func summary(_ entry: JSONValue) -> String {
        let kind = entry["kind"]?.stringValue ?? "?"
        let text = entry["text"]?.stringValue ?? entry["input"]?.stringValue ?? ""
        return "\(kind) '\(text.prefix(100))'"
    }

    // MARK: - (b) the committed postmortems are what the compiler makes today

    @Test(arguments: [("markdown", "md"), ("html", "html"), ("json", "json")])
    func compilingTheCommittedTranscriptGivesTheCommittedPostmortem(format: String, ext: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let output = folder.file("postmortem.\(ext)")
        let run = try Self.warroom(["postmortem", Self.transcript, "--format", format, "--output", output])
        #expect(run.status == 0, "\(run.stderr)")
        let compiled = try Data(contentsOf: URL(fileURLWithPath: output))
        let committed = try Self.committed("\(Self.name).postmortem.\(ext)")
        if compiled != committed {
            let a = String(decoding: committed, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let b = String(decoding: compiled, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let line = a.indices.first { $0 < b.count && a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record("""
                \(Self.name).postmortem.\(ext) differs from what 'warroom postmortem --format \(format)' \
                compiles now, first at line \(line + 1): committed '\(line < a.count ? a[line].prefix(120) : "<end>")', \
                now '\(line < b.count ? b[line].prefix(120) : "<end>")'; \(Self.regenerate)
                """)
        }
    }

    // MARK: - (c) the committed transcript verifies and replays

    @Test func theCommittedTranscriptVerifiesAndReplays() throws {
        let verify = try Self.warroom(["verify", Self.transcript])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("OK, 263 entries"), "\(verify.stdout)")
        let replay = try Self.warroom(["replay", Self.transcript])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("replay identical"), "\(replay.stdout)")
    }

    @Test func aTamperedCopyOfTheTranscriptFailsVerification() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let original = String(decoding: try Self.committed("\(Self.name).jsonl"), as: UTF8.self)
        // Someone softens the impact afterwards: the chain must name the line.
        let tampered = original.replacingOccurrences(of: "\"text\":\"About 30% of users", with: "\"text\":\"About 3% of users")
        #expect(tampered != original)
        let copy = folder.file("tampered.jsonl")
        try Data(tampered.utf8).write(to: URL(fileURLWithPath: copy))
        let verify = try Self.warroom(["verify", copy])
        #expect(verify.status == 1)
        #expect((verify.stdout + verify.stderr).contains("FAILED at seq 32"), "\(verify.stdout)\(verify.stderr)")
    }

    // MARK: - (d) the postmortem tells the story

    static func postmortemJSON() throws -> JSONValue {
        try JSONValue.parse(Array(try committed("\(name).postmortem.json")))
    }

    static func markdown() throws -> String {
        String(decoding: try committed("\(name).postmortem.md"), as: UTF8.self)
    }

    @Test func theMetricsAreNumbersFromTheMilestones() throws {
        let metrics = try #require(try Self.postmortemJSON()["metrics"])
        // impact 03:40, detected 03:45:45 (the alert), acknowledged 03:47, escalated 03:59,
        // mitigated 04:09, resolved 11:30.
        #expect(metrics["time_to_detect_s"]?.intValue == 5 * 60 + 45)
        #expect(metrics["time_to_acknowledge_s"]?.intValue == 75)
        #expect(metrics["time_to_escalate_s"]?.intValue == 13 * 60 + 15)
        #expect(metrics["time_to_mitigate_s"]?.intValue == 23 * 60 + 15)
        #expect(metrics["time_to_resolve_s"]?.intValue == (7 * 60 + 44) * 60 + 15)
        #expect(metrics["impact_duration_s"]?.intValue == (7 * 60 + 50) * 60)
        #expect(metrics["missing"]?.arrayValue?.isEmpty == true)
        let markdown = try Self.markdown()
        #expect(markdown.contains("| Time to detect | 5m 45s | impact-start 03:40 UTC → detected 03:45 UTC |"))
        #expect(markdown.contains("| Time to mitigate | 23m 15s | detected 03:45 UTC → mitigated 04:09 UTC |"))
        #expect(markdown.contains("| Time to resolve | 7h 44m | detected 03:45 UTC → resolved 11:30 UTC |"))
    }

    @Test func theSummaryRunsFromTheBackdatedImpactStartToTheResolution() throws {
        let summary = try #require(try Self.postmortemJSON()["summary"])
        #expect(summary["start"]?.stringValue == "2023-11-05T03:40:00.000Z")
        #expect(summary["start_basis"]?.stringValue == "impact-start")
        #expect(summary["end"]?.stringValue == "2023-11-05T11:30:00.000Z")
        #expect(summary["end_basis"]?.stringValue == "resolved")
        #expect(summary["impact"]?.stringValue?.hasPrefix("About 30% of users cannot send or receive messages") == true)
        #expect(summary["root_cause"]?.stringValue?.contains("canary weight ramp") == true)
        #expect(summary["trigger"]?.stringValue?.contains("Configuration v2") == true)
        let markdown = try Self.markdown()
        #expect(markdown.contains("**Duration:** 7h 50m, from 2023-11-05 03:40 UTC (impact start) to 11:30 UTC (resolved)."))
    }

    @Test func theTimelineShowsDetectionEscalationRollbackAndResolution() throws {
        let markdown = try Self.markdown()
        for line in ["- **03:45 UTC** — Detected: Pager: MessagingErrorRate, messaging error rate above 5% for 5 minutes",
                     "- **03:59 UTC** — Escalated to reliability-team:",
                     "- **04:05 UTC** — H4 confirmed",
                     "- **04:06 UTC** — Load balancer change (v2 → v3): rollback to v1 — weight 25 → 100 on msg-01…msg-27 (27)",
                     "- **04:09 UTC** — Mitigated:",
                     "- **04:20 UTC** — Load balancer change (v11 → v12):",
                     "- **11:30 UTC** — Resolved:"] {
            #expect(markdown.contains(line), "the timeline lacks '\(line)'")
        }
        let timeline = try #require(try Self.postmortemJSON()["timeline"]?.arrayValue)
        let escalations = timeline.filter { $0["kind"]?.stringValue == "escalation" }.compactMap { $0["text"]?.stringValue }
        #expect(escalations.contains { $0.hasPrefix("Escalated to reliability-team") })
    }

    @Test func theThreeMisleadingPathsCarryTheFiguresThatClearedThem() throws {
        let paths = try #require(try Self.postmortemJSON()["misleading_paths"]?.arrayValue)
        let found = paths.map { ($0["hypothesis"]?.stringValue ?? "", $0["reason"]?.stringValue ?? "") }
        #expect(found.count == 3)
        let expected = [("DDoS", "1.00x its baseline"), ("Database", "latency 8.0 ms"), ("Network", "Round trip 0.8 ms")]
        for (suspect, figure) in expected {
            #expect(found.contains { $0.0.contains(suspect) && $0.1.contains(figure) }, "no misleading path '\(suspect)' ruled out with '\(figure)'")
        }
        let markdown = try Self.markdown()
        #expect(markdown.contains("### Misleading paths"))
        #expect(markdown.contains("- **H1** DDoS"))
    }

    @Test func theCorrectiveMeasuresAreOwnedTasksOfEveryKind() throws {
        let tasks = try #require(try Self.postmortemJSON()["measures"]?["tasks"]?.arrayValue)
        #expect(tasks.allSatisfy { ($0["owner"]?.stringValue ?? "").isEmpty == false }, "every task has an owner")
        #expect(tasks.allSatisfy { $0["due"]?.stringValue?.hasPrefix("2023-1") == true }, "every task has a due date")
        #expect(Set(tasks.compactMap { $0["type"]?.stringValue }) == ["mitigate", "prevent", "process"])
        let texts = tasks.compactMap { $0["text"]?.stringValue }
        // Configuration audits, monitoring thresholds on the balancer, documentation,
        // automated post-change checks, training.
        for kind in ["Audit the load-balancer configuration", "Alert on load-balancer distribution skew", "Document the messaging pool",
                     "Automated post-change check", "Train on-call responders"] {
            #expect(texts.contains { $0.hasPrefix(kind) }, "no task '\(kind) …'")
        }
        let markdown = try Self.markdown()
        #expect(markdown.contains("- [x] A1: Pause the maintenance automation"))
        #expect(markdown.contains("(omar, prevent, due 2023-11-10)"))
    }

    @Test func theLessonsComeFromTheTaggedNotes() throws {
        let lessons = try #require(try Self.postmortemJSON()["lessons"])
        #expect(lessons["went_well"]?.arrayValue?.count == 3)
        #expect(lessons["went_wrong"]?.arrayValue?.count == 4)
        #expect(lessons["lucky"]?.arrayValue?.count == 2)
    }

    @Test func thePlaybookWasFollowedToTheEnd() throws {
        let adherence = try #require(try Self.postmortemJSON()["adherence"])
        #expect(adherence["done"]?.intValue == 19)
        #expect(adherence["incomplete"]?.intValue == 0)
        let steps = adherence["steps"]?.arrayValue ?? []
        #expect(steps.last?["step"]?.stringValue == "follow-up")
    }

    @Test func thePostmortemCheckPasses() throws {
        let check = try Self.warroom(["postmortem", Self.transcript, "--check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("postmortem check passed"), "\(check.stdout)")
    }
}
