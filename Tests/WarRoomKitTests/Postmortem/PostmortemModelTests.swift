import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// What the compiled postmortem says, section by section.
@Suite struct PostmortemModelTests {
    @Test func headerNamesTheIncidentRespondersAndTranscript() throws {
        let t = TranscriptFixture.originalIncident()
        let model = try t.model()
        let incident = model.incident
        #expect(incident.id == "INC-20231105-0330")
        #expect(incident.title == "Messaging outage")
        #expect(incident.date == "2023-11-05")
        #expect(incident.status == "closed")
        // A scenario event's author is not a responder.
        #expect(incident.responders.map(\.name) == ["alice", "bob"])
        #expect(incident.responders.map(\.roles) == [["commander"], ["operations"]])
        #expect(incident.playbook?.id == "lb-cascading-failure")
        #expect(incident.transcriptFile == "INC-20231105-0330.jsonl")
        #expect(incident.finalHash == t.entries.last?.hash)
        #expect(incident.verified == true)
        #expect(model.warnings.isEmpty)
    }

    @Test func timelineIsForAReaderProbesOnlyAsEvidence() throws {
        let model = try TranscriptFixture.originalIncident().model()
        #expect(!model.timeline.isEmpty)
        #expect(model.timeline.map(\.at) == model.timeline.map(\.at).sorted())
        let kinds = Set(model.timeline.map(\.kind))
        #expect(kinds.isSuperset(of: [.milestone, .phase, .escalation, .hypothesis, .lb, .note, .update]))
        // No probe bullets, no role or action-created noise.
        #expect(!model.timeline.contains { $0.text.contains("probe") })
        #expect(!model.timeline.contains { $0.text.contains("commander") })
        let ddos = try #require(model.timeline.first { $0.text.hasPrefix("H1 ruled out") })
        #expect(ddos.text == "H1 ruled out (DDoS attack from a botnet): traffic is at baseline and spread over 400 sources")
        #expect(ddos.evidence.map(\.probe) == ["traffic"])
        #expect(ddos.evidence.first?.values.first?.name == "request_rate")
        #expect(ddos.evidence.first?.values.first?.value == 9100)
        // The first `escalate` also marks `escalated`: one bullet, not two.
        #expect(model.timeline.filter { $0.kind == .escalation || $0.text == "Escalated" }.count == 1)
        // Tags say where a note goes; the bullet shows what it says.
        #expect(model.timeline.contains { $0.kind == .note && $0.text == "Rollback took effect in minutes" })
    }

    @Test func misleadingPathsAreEveryRuledOutHypothesisWithWhy() throws {
        let paths = try TranscriptFixture.originalIncident().model().misleadingPaths
        #expect(paths.map(\.id) == ["H1", "H2", "H3"])
        #expect(paths.map(\.hypothesis) == ["DDoS attack from a botnet", "Database latency", "Network latency between balancer and pool"])
        #expect(paths[1].reason == "database latency normal at 8 ms")
        #expect(paths[1].raisedAt == TranscriptFixture.time("03:55"))
        #expect(paths[1].ruledOutAt == TranscriptFixture.time("04:05"))
        #expect(paths[1].evidence.map(\.probe) == ["db"])
    }

    @Test func summaryAndResolutionCarryTheStatementsAndEvidence() throws {
        let model = try TranscriptFixture.originalIncident().model()
        #expect(model.summary.impact == "About 30% of users could not send or receive messages")
        #expect(model.summary.usersAffected == 0.3)
        #expect(model.summary.usersAffectedSource == .impactStatement)
        #expect(model.summary.rootCause?.hasPrefix("Routine maintenance left the pool's weights wrong") == true)
        #expect(model.summary.trigger == "Routine maintenance at 03:40 UTC")
        let resolution = model.resolution
        #expect(resolution.confirmed.map(\.id) == ["H4"])
        #expect(resolution.configChanges.map(\.version) == [2, 3, 4])
        #expect(resolution.configChanges.map(\.by) == ["maintenance-automation", "bob", "bob"])
        #expect(resolution.pivotMilestone == "mitigated")
        let errors = try #require(resolution.comparisons.first { $0.metric == "error_rate" })
        #expect(errors.before.value == 0.31)
        #expect(errors.after.value == 0.02)
        #expect(errors.latest?.value == 0.001)
    }

    @Test func usersAffectedFromProbesCountsOnlyTheImpactWindow() throws {
        var t = TranscriptFixture()
        // `users_affected` is cumulative: background failures before and after the incident count in it.
        t.at("03:40")
        t.probe("errors", ["error_rate": 0.001, "users_affected": 0.02])
        t.at("03:45")
        t.mark("detected")
        t.at("03:50")
        t.probe("errors", ["error_rate": 0.2, "users_affected": 0.2])
        t.at("04:00")
        t.probe("errors", ["error_rate": 0.4, "users_affected": 0.31])
        t.at("04:05")
        t.mark("mitigated")
        t.at("09:00")
        t.probe("errors", ["error_rate": 0.001, "users_affected": 0.48])
        var summary = try t.model().summary
        #expect(abs((summary.usersAffected ?? 0) - 0.29) < 1e-9)
        #expect(summary.usersAffectedSource == .probes)
        #expect(summary.impactWindow == PostmortemModel.ImpactWindow(from: TranscriptFixture.time("03:45"), fromBasis: "detected",
                                                                     through: TranscriptFixture.time("04:05"), throughBasis: "mitigated"))
        // A statement comes before the probes; it is the one figure, and the measured one is not shown.
        t.statement("impact", "Roughly 10% of users saw errors")
        summary = try t.model().summary
        #expect(summary.usersAffected == 0.1)
        #expect(summary.usersAffectedSource == .impactStatement)
        #expect(summary.statedUsersAffected == 0.1)
    }

    @Test(arguments: [
        ("About 30% of users", 0.3), ("12.5 % of sessions failed", 0.125), ("nobody could log in", nil), ("error 500 for everyone", nil),
    ] as [(String, Double?)])
    func impactPercentageIsReadFromTheStatement(_ statement: String, _ share: Double?) throws {
        var t = TranscriptFixture()
        t.statement("impact", statement)
        #expect(try t.model().summary.usersAffected == share)
    }

    @Test func measuresListImprovementsThenEveryTask() throws {
        let measures = try TranscriptFixture.originalIncident().model().measures
        #expect(measures.improvements.map(\.id) == ["A2", "A3", "A4", "A5", "A6"])
        #expect(measures.tasks.map(\.id) == ["A1", "A2", "A3", "A4", "A5", "A6"])
        #expect(measures.tasks[0].done)
        #expect(measures.tasks[1].owner == "sre")
        #expect(measures.tasks[1].due == "2023-12-01")
    }

    @Test func lessonsComeFromTaggedNotes() throws {
        var t = TranscriptFixture()
        t.note("Paging worked", tags: ["went-well"])
        t.note("Runbook was stale #went-wrong")
        t.note("Low traffic at night", tags: ["lucky"])
        t.note("Two tags #went-well #lucky")
        t.note("Plain note")
        let lessons = try t.model().lessons
        #expect(lessons.wentWell.map(\.text) == ["Paging worked", "Two tags"])
        #expect(lessons.wentWrong.map(\.text) == ["Runbook was stale"])
        #expect(lessons.lucky.map(\.text) == ["Low traffic at night", "Two tags"])
    }

    @Test func adherenceCountsDoneSkippedOverdueAndUnfinishedSteps() throws {
        var t = TranscriptFixture()
        t.step("acknowledge", "current")
        t.at("03:36")
        t.add(.timer, text: "timebox", data: ["timer": "timebox", "due": "2023-11-05T03:35:00.000Z", "step": "acknowledge"])
        t.step("acknowledge", "done", check: ["probe": "errors", "metric": "error_rate", "value": 0.3, "threshold": 0.02,
                                             "comparison": "above", "passed": true])
        t.step("triage", "current", phase: "investigation")
        t.step("triage", "skipped", reason: "cause already known", phase: "investigation")
        t.step("rollback", "current", phase: "resolution")
        let model = try t.model()
        let adherence = model.adherence
        #expect(adherence.steps.map(\.step) == ["acknowledge", "triage", "rollback"])
        #expect(adherence.steps.map(\.status) == [.done, .skipped, .incomplete])
        #expect(adherence.steps[0].overdue)
        #expect(adherence.steps[0].check?.passed == true)
        #expect(adherence.steps[1].reason == "cause already known")
        #expect((adherence.done, adherence.skipped, adherence.incomplete, adherence.overdue) == (1, 1, 1, 1))
        #expect(model.timeline.contains { $0.text == "Skipped step triage: cause already known" })
    }

    @Test func longProbeSeriesAreSampledForTablesAndThinnedForTheChart() throws {
        var t = TranscriptFixture()
        for minute in 0..<2000 {
            t.now = TranscriptFixture.time("03:30") + Int64(minute) * 10_000
            t.probe("errors", ["error_rate": minute == 1234 ? 0.9 : 0.01])
        }
        let model = try t.model()
        let table = try #require(model.evidence.probes.first)
        #expect(table.sampleCount == 2000)
        #expect(table.rows.count == PostmortemLimits.tableRows)
        #expect(table.isSampled)
        #expect(table.rows.first?.at == TranscriptFixture.time("03:30"))
        #expect(table.ranges.first?.max == 0.9)
        #expect(model.evidence.chart.errorRate.count <= PostmortemLimits.chartPoints)
        // The peak survives thinning.
        #expect(model.evidence.chart.errorRate.contains { $0.value == 0.9 })
    }

    @Test func tamperedLineStillCompilesWithAWarningAtTheTop() throws {
        let t = TranscriptFixture.originalIncident()
        var lines: [[UInt8]] = t.bytes.split(separator: 0x0A).map { Array($0) }
        let original = String(decoding: lines[16], as: UTF8.self)
        lines[16] = Array(original.replacing("database latency normal", with: "database latency HIGH").utf8)
        let bytes: [UInt8] = lines.flatMap { $0 + [0x0A] }
        let model = try Postmortem.compile(bytes: bytes, path: "tampered.jsonl")
        #expect(model.incident.verified == false)
        #expect(model.warnings.first?.hasPrefix("The transcript failed verification at seq 17 (line 17)") == true)
        #expect(model.misleadingPaths.contains { $0.reason == "database latency HIGH at 8 ms" })
        let markdown = PostmortemRenderer.render(model, format: .markdown)
        let firstBlock = markdown.split(separator: "\n", omittingEmptySubsequences: true)[1]
        #expect(firstBlock.hasPrefix("> **Warning:** The transcript failed verification at seq 17"))
        #expect(PostmortemRenderer.render(model, format: .html).contains("<strong>Warning:</strong> The transcript failed verification at seq 17"))

        #expect(throws: PostmortemError.self) { try Postmortem.compile(bytes: bytes, path: "tampered.jsonl", strict: true) }
        do {
            _ = try Postmortem.compile(bytes: bytes, path: "tampered.jsonl", strict: true)
        } catch let error as PostmortemError {
            #expect(error.description.contains("failed verification at seq 17"))
            #expect(error.exitCode == 65)
        }
    }

    @Test func tornLastLineAndUnreadableLinesAreWarnedAboutAndLeftOut() throws {
        let t = TranscriptFixture.originalIncident()
        var lines: [[UInt8]] = t.bytes.split(separator: 0x0A).map { Array($0) }
        lines[5] = Array("{not json".utf8)
        var bytes: [UInt8] = lines.flatMap { $0 + [0x0A] }
        bytes += Array(#"{"seq":47,"at":"2023-11-05T11:31"#.utf8)
        let model = try Postmortem.compile(bytes: bytes, path: "torn.jsonl")
        #expect(model.incident.entryCount == 45)
        #expect(model.warnings.contains { $0.hasPrefix("The last line of the transcript (line 47") })
        #expect(model.warnings.contains { $0.hasPrefix("Line 6 of the transcript could not be read") })
        #expect(model.warnings.contains { $0.contains("failed verification at seq 6") })
    }

    @Test func tornLineAloneIsOneWarning() throws {
        var bytes = TranscriptFixture.originalIncident().bytes
        bytes += Array(#"{"seq":47"#.utf8)
        let model = try Postmortem.compile(bytes: bytes, path: "torn.jsonl")
        #expect(model.warnings.count == 1)
        #expect(model.warnings[0].contains("torn"))
    }

    @Test func resumeAfterACrashIsWarnedAbout() throws {
        var t = TranscriptFixture()
        t.add(.pause)
        t.add(.resume, data: ["torn": 120])
        let model = try t.model()
        #expect(model.warnings.contains { $0.hasPrefix("At seq 3 the session resumed after a crash: a torn line (120 bytes)") })
        #expect(model.warnings.contains { $0.hasPrefix("The incident is still open") })
    }

    @Test func fileThatIsNotATranscriptIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let empty = folder.file("empty.jsonl")
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(throws: PostmortemError.transcript(.notATranscript(path: empty, reason: "the file is empty"))) {
            try Postmortem.compile(transcriptPath: empty)
        }
        #expect(throws: PostmortemError.self) { try Postmortem.compile(transcriptPath: folder.file("missing.jsonl")) }
    }

    @Test func compilesFromAFileWrittenByTheTranscriptWriter() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("INC-1.jsonl")
        let writer = try TranscriptWriter.create(path: path)
        for entry in TranscriptFixture.originalIncident().entries { try writer.append(entry) }
        writer.close()
        var fractions: [Double] = []
        let model = try Postmortem.compile(transcriptPath: path, strict: true) { fractions.append($0) }
        #expect(model.incident.transcriptFile == "INC-1.jsonl")
        #expect(model.incident.verified == true)
        #expect(model.metrics.value("time_to_resolve") == 27_900_000)
        #expect(fractions.last == 1)
        #expect(fractions == fractions.sorted())
        // The same model from entries in memory.
        let log = try TranscriptLog.read(path: path)
        #expect(PostmortemModel(log: log, verification: TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: path))) == model)
    }
}
