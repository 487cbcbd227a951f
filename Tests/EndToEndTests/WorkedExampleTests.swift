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

    @Test func theDebriefGivesTheTeamsTimesAgainstParOnAScreenAndAHalf() throws {
        let run = try Self.warroom(["debrief", Self.transcript])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == String(decoding: try Self.committed("\(Self.name).debrief.md"), as: UTF8.self), "\(Self.regenerate)")
        // Par from the scenario's drill: block, the team's times from the record's milestones.
        #expect(run.stdout.contains("| detect | 03:45Z (+5 min 45 s) | +5 min | 45 s over par |"), "\(run.stdout)")
        #expect(run.stdout.contains("| mitigate | 04:09Z (+29 min) | +30 min | 1 min under par |"))
        #expect(run.stdout.contains("| resolve | 11:30Z (+7 h 50 min) | +4 h | 3 h 50 min over par |"))
        for path in ["DDoS (H1)", "database (H2)", "network latency (H3)"] { #expect(run.stdout.contains("| \(path) |")) }
        #expect(run.stdout.contains("first applied at 04:06Z (+26 min), `lb rollback 1`"))
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(lines <= 72, "a screen and a half: \(lines) lines")
        let json = try JSONValue.parse(try Self.warroom(["debrief", Self.transcript, "--format", "json"]).stdout)
        let detect = try #require(json["times"]?.arrayValue?.first)
        #expect(detect["after_trigger_s"] == 345 && detect["par_s"] == 300 && detect["against_par_s"] == 45)
        let html = try Self.warroom(["debrief", Self.transcript, "--format", "html"])
        #expect(html.stdout.contains("<svg class=\"chart\"") && html.stdout.contains("Par (green)"))
        #expect(try Self.warroom(["debrief", Self.transcript, "--check"]).status == 0)
    }

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
        // The first line holding the statement is the one the chain must name.
        let line = try #require(original.split(separator: "\n").firstIndex { $0.contains("\"text\":\"About 30% of users") }) + 1
        #expect((verify.stdout + verify.stderr).contains("FAILED at seq \(line) (line \(line))"), "\(verify.stdout)\(verify.stderr)")
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
        // Rounded to the nearest minute: 5 min 45 s, 23 min 15 s, 7 h 44 min 15 s.
        #expect(markdown.contains("| Time to detect | 6 min |"))
        #expect(markdown.contains("| Time to mitigate | 23 min |"))
        #expect(markdown.contains("| Time to resolve | 7 h 44 min |"))
        #expect(metrics["impact_to_mitigation_s"]?.intValue == 29 * 60)
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
        #expect(markdown.contains("**Duration:** users were affected for 29 min, 2023-11-05 03:40–04:09 UTC, from impact start to mitigation; the incident ran 7 h 50 min, to resolution at 11:30 UTC."))
    }

    @Test func oneImpactFigureFromTheDrillsSimulationOverTheImpactWindow() throws {
        let summary = try #require(try Self.postmortemJSON()["summary"])
        #expect(summary["users_affected_source"]?.stringValue == "simulation")
        #expect(summary["users_affected_window"]?["from"]?.stringValue == "2023-11-05T03:40:00.000Z")
        #expect(summary["users_affected_window"]?["through"]?.stringValue == "2023-11-05T04:09:00.000Z")
        // About 30%: the users who hash to the three overloaded servers.
        let share = try #require(summary["users_affected"]?.doubleValue)
        #expect(share > 0.25 && share < 0.32, "\(share)")
        let markdown = try Self.markdown()
        #expect(markdown.contains("**Impact:** \(MetricText.percent(share)) of users had requests fail because of the incident between impact start and mitigation (drill simulation)."))
        // The statement says about 30%: within a few points, so the summary states one figure.
        #expect(!markdown.contains("the impact statement says"))
    }

    @Test func theBodyIsWhatATeamPublishes() throws {
        let check = try Self.warroom(["postmortem", Self.transcript, "--check", "--words", "400-600"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let body = try Self.warroom(["postmortem", Self.transcript, "--no-appendix"])
        #expect(body.status == 0)
        #expect(!body.stdout.contains("## Appendix"))
        #expect(try Self.markdown().hasPrefix(body.stdout.trimmingCharacters(in: .newlines)))
        let tooShort = try Self.warroom(["postmortem", Self.transcript, "--check", "--words", "700-900"])
        #expect(tooShort.status == 1)
        #expect(tooShort.stdout.contains("body is "), "\(tooShort.stdout)")
        #expect(tooShort.stdout.contains("words, too short for 700–900 (title block to Lessons Learned)"))
        let badRange = try Self.warroom(["postmortem", Self.transcript, "--check", "--words", "600-400"])
        #expect(badRange.status == 64)
        #expect(badRange.stderr.contains("--words takes MIN-MAX, e.g. 400-600, not '600-400'"))
    }

    @Test func theTimelineShowsDetectionEscalationRollbackAndResolution() throws {
        let markdown = try Self.markdown()
        let body = try #require(markdown.components(separatedBy: "## Appendix").first)
        for line in ["- **03:40 UTC** — Configuration v2 by maintenance-automation: the trigger",
                     "- **03:45 UTC** — Alert MessagingErrorRate firing",
                     "- **03:45 UTC** — Detected from alert MessagingErrorRate (marked at 03:47 UTC)",
                     "- **03:50–03:53 UTC** — H1 DDoS ruled out: Traffic is 9,075 req/s…",
                     "- **03:59 UTC** — dana escalated to reliability-team",
                     "- **04:03–04:05 UTC** — H4 Load-balancer configuration confirmed:",
                     "- **04:06 UTC** — Rollback to v1 by omar",
                     "- **04:09 UTC** — Mitigated: errors 11.9% at 04:06 → 0.05% at 04:09",
                     "- **04:15–04:20 UTC** — Permanent fix by riya: configuration v12",
                     "- **11:30 UTC** — Resolved: Stable through the morning peak"] {
            #expect(body.contains(line), "the body's timeline lacks '\(line)'")
        }
        let curated = try #require(try Self.postmortemJSON()["curated_timeline"]?["events"]?.arrayValue)
        #expect(curated.count <= 20)
        #expect(!curated.contains { ["step", "phase", "timer", "note"].contains($0["kind"]?.stringValue ?? "") })
        // The Appendix keeps every event, reminders included, and the full configuration diff.
        let timeline = try #require(try Self.postmortemJSON()["timeline"]?.arrayValue)
        let escalations = timeline.filter { $0["kind"]?.stringValue == "escalation" }.compactMap { $0["text"]?.stringValue }
        #expect(escalations.count == 1 && escalations[0].hasPrefix("Escalated to reliability-team"))
        #expect(timeline.contains { $0["kind"]?.stringValue == "timer" && $0["text"]?.stringValue?.hasPrefix("Reminder: Status update due") == true })
        #expect(markdown.contains("| 03:40 UTC | v1 → v2 | maintenance-automation | scenario-event | weight msg-01: 100 → 25 |"))
        // Only what happened: no reminder is told as a page (the one "Paged" is dana's own
        // note on a step, in the Appendix).
        #expect(!body.lowercased().contains("paged"))
        #expect(!markdown.contains("rule paged"))
    }

    @Test func theResolutionNamesTheRollbackTheFixAndTheEvidence() throws {
        let markdown = try Self.markdown()
        #expect(markdown.contains("**Resolution.** Rolled back to v1 at 04:06 UTC by omar: weight 25 → 100 on msg-01…msg-27 (27); state ready → drain on msg-28, msg-29, msg-30. Errors 11.9% at 04:06 → 0.05% at 04:09 UTC, mitigated. Permanent fix, configuration v12, by riya at 04:20 UTC: state drain → ready on msg-28, msg-29, msg-30. Resolved at 11:30 UTC by dana."))
        #expect(markdown.contains("**Root cause.** H4 (Load-balancer configuration) confirmed at 04:05 UTC, on distribution at 04:03 UTC (skew 2.93×)"))
        let steps = try #require(try Self.postmortemJSON()["resolution"]?["steps"]?.arrayValue)
        #expect(steps.compactMap { $0["role"]?.stringValue } == ["trigger", "rollback", "permanent-fix", "other"])
        #expect(steps[2]["version"]?.intValue == 12)
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
        for kind in ["Audit load-balancer configurations", "Alert on distribution skew", "Document the messaging pool",
                     "Check every automated change", "Train on-call responders"] {
            #expect(texts.contains { $0.hasPrefix(kind) }, "no task '\(kind) …'")
        }
        let markdown = try Self.markdown()
        #expect(markdown.contains("- [ ] A3 Alert on distribution skew and utilization (omar, prevent, 2023-11-10)"))
        #expect(markdown.contains("Done: A1 Pause the maintenance automation (mitigate)."))
        // A milestone a step set says what the responders said of it, not the step's name.
        #expect(markdown.contains("Acknowledged: Paged at 03:45Z, took command at 03:47Z"))
        #expect(!markdown.contains("(step take-command)"))
        #expect(markdown.contains("- [x] A1: Pause the maintenance automation"))
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
