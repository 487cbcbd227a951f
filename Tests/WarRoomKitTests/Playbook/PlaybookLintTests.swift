import Testing
@testable import WarRoomKit

/// Every lint category, with the exact line and column of the node it points at.
@Suite struct PlaybookLintTests {
    /// A small valid playbook; each case below edits one line of it.
    static let base = """
        playbook: demo
        title: Demo
        version: 1
        roles: [commander, scribe]
        status_updates: 30m
        escalation:
          - after: 15m
            unless: mitigated
            page: sre-oncall
        phases:
          - name: detection
            steps:
              - id: ack
                title: Acknowledge
                run: ["probe errors"]
                timebox: 5m
                role: commander
                milestone: acknowledged
                check:
                  probe: errors
                  metric: error_rate
                  above: 0.02
                on_pass: next
                on_fail: watch
              - id: scope
                title: Scope
                on_pass: fix
              - id: watch
                title: Watch
                on_pass: ack
          - name: fix
            steps:
              - id: rollback
                title: Roll back

        """

    static func lint(_ text: String) -> [String] {
        PlaybookLoader.lint(bytes: Array(text.utf8), file: "demo.yaml").map { "\($0.line):\($0.column): \($0.message)" }
    }

    static func edited(_ from: String, _ to: String) -> String {
        precondition(base.contains(from), "the base playbook has no '\(from)'")
        return base.replacingOccurrences(of: from, with: to)
    }

    @Test func theBasePlaybookIsClean() throws {
        #expect(Self.lint(Self.base) == [])
        let playbook = try PlaybookLoader.load(bytes: Array(Self.base.utf8), file: "demo.yaml")
        #expect(playbook.stepIDs == ["ack", "scope", "watch", "rollback"])
        #expect(playbook.step("ack")?.onFail == .step("watch"))
        #expect(playbook.step("scope")?.onPass == .phase("fix"))
        #expect(playbook.step("ack")?.check == Playbook.Check(probe: "errors", metric: "error_rate", threshold: 0.02, comparison: .above))
        #expect(playbook.escalation.first?.after == Int64(900_000))
        #expect(playbook.statusUpdateInterval == Int64(1_800_000))
        #expect(playbook.step("ack")?.position == Playbook.Position(line: 13, column: 13))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var from: String
        var to: String
        var expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unknown top-level field with did-you-mean", from: "title: Demo", to: "titel: Demo", expected: [
            "1:1: missing required field 'title' in the playbook",
            "2:1: unknown field 'titel' in the playbook (did you mean 'title'?)",
        ]),
        Case(name: "missing required field", from: "version: 1\n", to: "", expected: [
            "1:1: missing required field 'version' in the playbook",
        ]),
        Case(name: "unknown step field", from: "    title: Scope", to: "    tilte: Scope", expected: [
            "25:9: missing required field 'title' in step 'scope'",
            "26:9: unknown field 'tilte' in step 'scope' (did you mean 'title'?)",
        ]),
        Case(name: "bad playbook id", from: "playbook: demo", to: "playbook: Demo_1", expected: [
            "1:11: 'playbook' is 'Demo_1'; a name uses lowercase letters, digits and '-', starting with a letter or digit (like 'check-errors')",
        ]),
        Case(name: "a number where a name belongs", from: "id: rollback", to: "id: 42", expected: [
            "33:13: 'id' must be a name, not the YAML value 42; quote it or use letters",
        ]),
        Case(name: "duplicate step id", from: "- id: watch", to: "- id: scope", expected: [
            "24:18: 'on_fail' leads to 'watch', which is no step or phase; use 'next', a step id or a phase name",
            "28:13: duplicate step id 'scope' (first used at line 25); step ids must be unique",
        ]),
        Case(name: "duplicate phase name", from: "- name: fix", to: "- name: detection", expected: [
            "27:18: 'on_pass' leads to 'fix', which is no step or phase; use 'next', a step id or a phase name",
            "31:11: duplicate phase name 'detection' (first used at line 11); phase names must be unique",
        ]),
        Case(name: "phase named like a step", from: "- name: fix", to: "- name: scope", expected: [
            "27:18: 'on_pass' leads to 'fix', which is no step or phase; use 'next', a step id or a phase name",
            "31:11: phase 'scope' has the same name as a step (line 25); 'on_pass', 'on_fail' and 'goto' could not tell them apart: rename one",
        ]),
        Case(name: "branch to nothing, with did-you-mean", from: "on_fail: watch", to: "on_fail: wacth", expected: [
            "24:18: 'on_fail' leads to 'wacth', which is no step or phase (did you mean 'watch'?); use 'next', a step id or a phase name",
        ]),
        Case(name: "unreachable step", from: "on_pass: fix", to: "on_pass: watch", expected: [
            "33:13: step 'rollback' is unreachable: the step before it branches elsewhere and no 'on_pass'/'on_fail' names it or its phase; link it, or remove it",
        ]),
        Case(name: "on_fail without a check", from: "on_pass: fix", to: "on_pass: fix\n        on_fail: ack", expected: [
            "28:9: 'on_fail' needs a 'check' to decide when it applies; add a check, or use 'on_pass' alone",
        ]),
        Case(name: "bad timebox", from: "timebox: 5m", to: "timebox: 5 minutes", expected: [
            "16:18: 'timebox' is not a duration: '5 minutes' (use a number and a unit: 500ms, 90s, 5m, 2h, 1h30m)",
        ]),
        Case(name: "zero timebox", from: "timebox: 5m", to: "timebox: 0s", expected: [
            "16:18: 'timebox' must be longer than zero",
        ]),
        Case(name: "status_updates without a unit", from: "status_updates: 30m", to: "status_updates: 30", expected: [
            "5:17: 'status_updates' is not a duration: '30' has no unit (write 90s, 5m, 2h)",
        ]),
        Case(name: "bad escalation delay", from: "after: 15m", to: "after: 15mn", expected: [
            "7:12: 'after' is not a duration: '15mn' (use a number and a unit: 500ms, 90s, 5m, 2h, 1h30m)",
        ]),
        Case(name: "escalation rule without page", from: "    page: sre-oncall\n", to: "", expected: [
            "7:5: missing required field 'page' in escalation rule 1",
        ]),
        Case(name: "unknown probe", from: "probe: errors", to: "probe: erors", expected: [
            "20:18: unknown probe 'erors' (did you mean 'errors'?); probes are health, distribution, latency, errors, traffic, config, backend, db, network",
        ]),
        Case(name: "unknown metric for the probe", from: "metric: error_rate", to: "metric: eror_rate", expected: [
            "21:19: unknown metric 'eror_rate' for probe 'errors' (did you mean 'error_rate'?); 'errors' reports error_rate, timeout_rate",
        ]),
        Case(name: "metric of another probe", from: "metric: error_rate", to: "metric: skew", expected: [
            "21:19: unknown metric 'skew' for probe 'errors'; 'errors' reports error_rate, timeout_rate",
        ]),
        Case(name: "a probe without metrics", from: "probe: errors", to: "probe: backend", expected: [
            "21:19: probe 'backend' reports no metrics a check can use; check 'health' or 'latency' instead",
        ]),
        Case(name: "above and below", from: "above: 0.02", to: "above: 0.02\n          below: 0.5", expected: [
            "23:11: a check compares with 'above' or 'below', not both; split it into two steps",
        ]),
        Case(name: "neither above nor below", from: "          above: 0.02\n", to: "", expected: [
            "20:11: the check of step 'ack' needs a threshold: 'above: N' (passes when the metric is higher) or 'below: N'",
        ]),
        Case(name: "quoted threshold", from: "above: 0.02", to: "above: \"0.02\"", expected: [
            "22:18: 'above' must be a number, not the text \"0.02\"; remove the quotes",
        ]),
        Case(name: "unknown milestone", from: "milestone: acknowledged", to: "milestone: acknowleged", expected: [
            "18:20: unknown milestone 'acknowleged' (did you mean 'acknowledged'?); milestones are impact-start, detected, acknowledged, escalated, mitigated, resolved",
        ]),
        Case(name: "unknown unless milestone", from: "unless: mitigated", to: "unless: fixed", expected: [
            "8:13: unknown milestone 'fixed'; milestones are impact-start, detected, acknowledged, escalated, mitigated, resolved",
        ]),
        Case(name: "run command that is not warroom's", from: "[\"probe errors\"]", to: "[\"probes errors\"]", expected: [
            "15:15: 'probes' is not a warroom command (did you mean 'probe'?); suggest warroom's commands (see `help`) or '!probes errors' for the system shell",
        ]),
        Case(name: "run of an unknown probe", from: "[\"probe errors\"]", to: "[\"status\", \"probe traffc\"]", expected: [
            "15:25: unknown probe 'traffc' (did you mean 'traffic'?); probes are health, distribution, latency, errors, traffic, config, backend, db, network",
        ]),
        Case(name: "role not among the playbook's roles", from: "role: commander", to: "role: comander", expected: [
            "17:15: role 'comander' is not one of the playbook's roles (did you mean 'commander'?) (commander, scribe)",
        ]),
        Case(name: "bad severity", from: "version: 1", to: "version: 1\nseverity: sev-1", expected: [
            "4:11: severity 'sev-1' is not one of SEV-1 (highest) … SEV-5 (did you mean 'SEV-1'?)",
        ]),
        Case(name: "version not a number", from: "version: 1", to: "version: one", expected: [
            "3:10: 'version' must be a whole number, not 'one'",
        ]),
        Case(name: "phase with no steps", from: "    steps:\n      - id: rollback\n        title: Roll back\n", to: "    steps: []\n", expected: [
            "32:12: phase 'fix' has no steps; add at least one step or remove the phase",
        ]),
        Case(name: "empty phases list", from: String(base[base.range(of: "phases:")!.lowerBound...]), to: "phases: []\n", expected: [
            "10:9: the playbook has no phases; list at least one phase with its steps under 'phases:'",
        ]),
        Case(name: "no phases at all", from: String(base[base.range(of: "phases:")!.lowerBound...]), to: "", expected: [
            "1:1: the playbook has no phases; add 'phases:' with at least one phase and its steps",
        ]),
        Case(name: "YAML syntax", from: "title: Demo", to: "title: [Demo", expected: [
            "3:8: YAML syntax: while parsing a flow sequence: did not find expected ',' or ']'",
        ]),
        Case(name: "duplicate key", from: "version: 1", to: "version: 1\ntitle: Again", expected: [
            "4:1: duplicate key 'title' in the playbook",
        ]),
        Case(name: "alias to no anchor", from: "role: commander", to: "role: *commander", expected: [
            "17:15: YAML syntax: '*commander' refers to no anchor '&commander' defined above",
        ]),
        Case(name: "two documents", from: base, to: base + "---\nplaybook: other\n", expected: [
            "35:1: YAML syntax: more than one document (a second '---'); a file holds one",
        ]),
        Case(name: "not a mapping", from: base, to: "- just\n- a list\n", expected: [
            "1:1: a playbook is a YAML mapping starting with 'playbook: ID' (see docs/PLAYBOOKS.md)",
        ]),
    ]

    @Test(arguments: cases)
    func reportsTheProblemAtItsNode(_ testCase: Case) {
        #expect(Self.lint(Self.edited(testCase.from, testCase.to)) == testCase.expected)
    }

    @Test func anchorsAndAliasesAreFollowed() throws {
        let text = Self.base.replacingOccurrences(of: "roles: [commander, scribe]", with: "roles: [&lead commander, scribe]")
            .replacingOccurrences(of: "role: commander", with: "role: *lead")
        #expect(Self.lint(text) == [])
        #expect(try PlaybookLoader.load(bytes: Array(text.utf8), file: "demo.yaml").step("ack")?.role == "commander")
    }

    @Test func emptyFileGetsOneCleanMessage() {
        #expect(Self.lint("") == ["1:1: the file is empty; a playbook is a YAML mapping (see `warroom playbooks --help`)"])
        #expect(Self.lint("\n  \n") == ["1:1: the file is empty; a playbook is a YAML mapping (see `warroom playbooks --help`)"])
    }

    @Test func binaryFileGetsOneCleanMessage() {
        let bytes: [UInt8] = Array("playbook: x\n".utf8) + [0x00, 0xFF, 0x10]
        let diagnostics = PlaybookLoader.lint(bytes: bytes, file: "x.yaml")
        #expect(diagnostics.map(\.description) == ["x.yaml:2:1: binary data (a NUL byte at offset 12); a playbook must be UTF-8 YAML text"])
    }

    @Test func diagnosticsComeInFileOrderAsFileLineColumn() {
        let text = Self.edited("title: Demo", "titel: Demo").replacingOccurrences(of: "probe: errors", with: "probe: erors")
        let lines = PlaybookLoader.lint(bytes: Array(text.utf8), file: "Playbooks/demo.yaml").map(\.description)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("Playbooks/demo.yaml:1:1: missing required field 'title'"))
        #expect(lines[1].hasPrefix("Playbooks/demo.yaml:2:1: unknown field 'titel'"))
        #expect(lines[2].hasPrefix("Playbooks/demo.yaml:20:18: unknown probe 'erors'"))
    }

    @Test func loadThrowsEveryProblem() {
        let text = Self.edited("on_fail: watch", "on_fail: wacth")
        #expect(throws: InputFileError.self) { try PlaybookLoader.load(bytes: Array(text.utf8), file: "demo.yaml") }
        do {
            _ = try PlaybookLoader.load(bytes: Array(text.utf8), file: "demo.yaml")
        } catch let error as InputFileError {
            #expect(error.diagnostics.map(\.line) == [24])
            #expect(error.description.hasPrefix("demo.yaml:24:18: 'on_fail' leads to 'wacth'"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func loadingAMissingFileSaysWhatToDo() {
        let diagnostics = PlaybookLoader.lint(path: "/nonexistent/playbook.yaml")
        #expect(diagnostics.map(\.description) == ["/nonexistent/playbook.yaml:1:1: no such file; give a playbook's path or its id (see `warroom playbooks list`)"])
    }
}
