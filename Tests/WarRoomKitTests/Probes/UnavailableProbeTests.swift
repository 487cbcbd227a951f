import Testing
@testable import WarRoomKit

/// A check on a probe the load balancer cannot answer is not applicable, recorded as such,
/// and the path goes on as on a pass.
@Suite struct UnavailableProbeTests {
    static let playbook = """
        playbook: demo
        title: Demo
        version: 1
        phases:
          - name: investigation
            steps:
              - id: rule-out-db
                title: Rule out the database
                check:
                  probe: db
                  metric: error_rate
                  below: 0.01
                on_pass: next
                on_fail: escalate-db
              - id: next-step
                title: Next
              - id: escalate-db
                title: Escalate to the database team

        """

    @Test func aCheckOnAnUnansweredProbeIsNotApplicable() throws {
        var drill = try PlaybookDrill(PlaybookLoader.load(bytes: Array(Self.playbook.utf8), file: "demo.yaml"), openAt: Instant.at("03:50"))
        let result = ProbeResult.unanswerable(.db, args: [], reason: "haproxy:/run/h.sock cannot provide database and network figures", text: "…")
        drill.write(PlaybookEntryDraft(kind: .probe, text: result.text, data: result.data), input: "probe db")
        try drill.done()
        #expect(drill.stepLog == ["rule-out-db:current", "rule-out-db:done", "next-step:current"])
        let done = try #require(drill.entries.first { $0.data["status"] == "done" })
        #expect(done.data["check"]?["applicable"] == false)
        #expect(done.data["check"]?["passed"] == .null)
        #expect(done.data["check"]?["reason"] == "haproxy:/run/h.sock cannot provide database and network figures")
        #expect(drill.printed.last?.contains("Check: db.error_rate is not applicable: haproxy:/run/h.sock cannot provide") == true)
    }

    @Test func aMetricTheTargetLacksIsNotApplicableEither() throws {
        var drill = try PlaybookDrill(PlaybookLoader.load(bytes: Array(Self.playbook.replacingOccurrences(of: "probe: db", with: "probe: latency")
                .replacingOccurrences(of: "metric: error_rate", with: "metric: p99_ms").utf8), file: "demo.yaml"), openAt: Instant.at("03:50"))
        let result = ProbeResult(kind: .latency, text: "…", metrics: ["total_ms": 12], unavailable: ["p50_ms", "p99_ms"])
        drill.write(PlaybookEntryDraft(kind: .probe, text: result.text, data: result.data), input: "probe latency")
        try drill.done()
        #expect(drill.progress.currentStepID == "next-step")
        #expect(drill.entries.first { $0.data["status"] == "done" }?.data["check"]?["applicable"] == false)
    }
}
