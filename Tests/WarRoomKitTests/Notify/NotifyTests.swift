import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

#if canImport(Glibc)
import Glibc
#endif

/// The notify file (receivers, secrets, retries), the notifications a command's entries call
/// for, and the background sender's attempts against a scripted poster.
@Suite struct NotifyTests {
    static let routingKey = "R0UT1NGK3Y0123456789abcdefABCDEF"
    static let dbaKey = "DBAK3Y0123456789abcdefABCDEF0000"
    static let slackURL = "https://hooks.slack.com/services/T0000/B0000/SlackSECRETxxxx"
    static let environment = ["PD_SRE_KEY": routingKey, "PD_DBA_KEY": dbaKey, "SLACK_URL": slackURL]
    /// What no message, description or recorded body may ever contain.
    static let secrets = [routingKey, dbaKey, slackURL, "SlackSECRETxxxx"]

    static let full = """
        pagerduty:
          - team: sre
            routing_key_env: PD_SRE_KEY
          - team: dba
            routing_key_env: PD_DBA_KEY
            url: https://pd.example.com/v2/enqueue
        slack:
          - webhook_url_env: SLACK_URL
            events: [update, close]
        webhook:
          - url: https://hooks.example.com/warroom
            events: [all]
        retry:
          attempts: 3
          backoff: 250ms
          max_backoff: 30s
          timeout: 2s

        """

    static func parse(_ yaml: String, environment: [String: String] = environment) throws -> NotifyConfig {
        try NotifyConfig.parse(bytes: Array(yaml.utf8), file: "notify.yaml", environment: environment).get()
    }

    /// The error a file is refused with; records an issue when it is accepted or when any message
    /// holds a secret's value.
    static func refusal(_ yaml: String, environment: [String: String] = environment, secrets extra: [String] = [],
                        sourceLocation: SourceLocation = #_sourceLocation) -> InputFileError? {
        switch NotifyConfig.parse(bytes: Array(yaml.utf8), file: "notify.yaml", environment: environment) {
        case .success(let config):
            Issue.record("accepted: \(config.summary)", sourceLocation: sourceLocation)
            return nil
        case .failure(let error):
            for secret in secrets + extra {
                #expect(!error.description.contains(secret), "a secret in \(error.description)", sourceLocation: sourceLocation)
            }
            #expect(error.diagnostics.allSatisfy { $0.file == "notify.yaml" && $0.severity == .error }, sourceLocation: sourceLocation)
            return error
        }
    }

    /// `file:line:column: message` of each diagnostic.
    static func said(_ yaml: String, environment: [String: String] = environment, secrets extra: [String] = [],
                     sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        refusal(yaml, environment: environment, secrets: extra, sourceLocation: sourceLocation)?.diagnostics.map(\.description) ?? []
    }

    // MARK: - The notify file

    @Test func aFullFileIsReadWithEveryReceiverAndTheRetrySettings() throws {
        let config = try Self.parse(Self.full)
        #expect(config.origin == "notify.yaml")
        #expect(config.pagerDuty.map(\.team) == ["sre", "dba"])
        #expect(config.pagerDuty[0].routingKey.value == Self.routingKey)
        #expect(config.pagerDuty[0].routingKey.origin == "$PD_SRE_KEY")
        #expect(config.pagerDuty[0].url == NotifyConfig.pagerDutyURL)
        #expect(config.pagerDuty[1].routingKey.value == Self.dbaKey)
        #expect(config.pagerDuty[1].url == "https://pd.example.com/v2/enqueue")
        try #require(config.slack.count == 1)
        #expect(config.slack[0].name == "slack[1]")
        #expect(config.slack[0].url.value == Self.slackURL)
        #expect(config.slack[0].url.origin == "$SLACK_URL")
        #expect(config.slack[0].events == [.update, .close])
        try #require(config.webhooks.count == 1)
        #expect(config.webhooks[0].name == "webhook[1]")
        #expect(config.webhooks[0].url.value == "https://hooks.example.com/warroom")
        #expect(config.webhooks[0].events == Set(NotifyConfig.Event.allCases), "all")
        #expect(config.attempts == 3)
        #expect(config.backoffSeconds == 0.25)
        #expect(config.maximumBackoffSeconds == 30)
        #expect(config.timeoutSeconds == 2)
        #expect(config.summary == "PagerDuty sre, dba · Slack ×1 · webhook ×1")
        #expect(!config.isEmpty)
    }

    @Test func whatAFileLeavesOutHasItsDefaults() throws {
        let config = try Self.parse("""
            pagerduty:
              - team: sre
                routing_key_env: PD_SRE_KEY
            slack:
              - webhook_url_env: SLACK_URL
            webhook:
              - url: http://127.0.0.1:9000/hook

            """)
        #expect(config.attempts == 5)
        #expect(config.backoffSeconds == 1)
        #expect(config.maximumBackoffSeconds == 60)
        #expect(config.timeoutSeconds == 5)
        #expect(config.pagerDuty.map(\.url) == ["https://events.pagerduty.com/v2/enqueue"])
        #expect(config.slack.map(\.events) == [[.update, .severity, .milestone, .close]], "no escalation: PagerDuty pages it")
        #expect(config.webhooks.map(\.events) == [Set(NotifyConfig.Event.allCases)])
    }

    @Test func retryBoundsAreAccepted() throws {
        for attempts in [1, 20] {
            let config = try Self.parse("webhook:\n  - url: https://h.example.com/x\nretry:\n  attempts: \(attempts)\n  backoff: 10ms\n")
            #expect(config.attempts == attempts)
            #expect(config.backoffSeconds == 0.01)
        }
    }

    @Test func aSecretIsDescribedByWhereItCameFromNeverByItsValue() throws {
        let config = try Self.parse(Self.full)
        let key = config.pagerDuty[0].routingKey
        #expect(key.description == "$PD_SRE_KEY")
        #expect("\(key)" == "$PD_SRE_KEY")
        #expect(String(reflecting: key) == "$PD_SRE_KEY")
        #expect(config.slack[0].url.description == "$SLACK_URL")
        for text in ["\(config)", String(describing: config), String(reflecting: config), "\(config.pagerDuty)", "\(config.slack)"] {
            for secret in Self.secrets {
                #expect(!text.contains(secret), "\(text)")
            }
        }
        #expect("\(config)".contains("$PD_SRE_KEY"), "the origin is what is shown")
    }

    @Test func aRoutingKeyFileReadableByItsOwnerOnlyIsRead() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("sre.key")
        try "\(Self.routingKey)\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(chmod(path, 0o600) == 0)
        let config = try Self.parse("pagerduty:\n  - team: sre\n    routing_key_file: \(path)\n", environment: [:])
        let key = try #require(config.pagerDuty.first?.routingKey)
        #expect(key.value == Self.routingKey, "the newline trimmed")
        #expect(key.description == "file \(path)")
        #expect(!"\(config)".contains(Self.routingKey))
    }

    @Test func aRoutingKeyFromTheEnvironmentThatIsNotSetIsRefused() {
        let yaml = "pagerduty:\n  - team: sre\n    routing_key_env: PD_SRE_KEY\n"
        let expected = ["notify.yaml:3:22: the routing key is to come from $PD_SRE_KEY, which is not set"]
        #expect(Self.said(yaml, environment: [:]) == expected)
        #expect(Self.said(yaml, environment: ["PD_SRE_KEY": "  \n"]) == expected, "blank is not set")
        #expect(Self.said("slack:\n  - webhook_url_env: SLACK_URL\n", environment: [:])
            == ["notify.yaml:2:22: the webhook URL is to come from $SLACK_URL, which is not set"])
    }

    @Test func aRoutingKeyGivenBothWaysIsRefused() {
        #expect(Self.said("pagerduty:\n  - team: sre\n    routing_key_env: PD_SRE_KEY\n    routing_key_file: /etc/warroom/sre.key\n")
            == ["notify.yaml:4:5: give the routing key one way: routing_key_env or routing_key_file, not both"])
    }

    @Test func aRoutingKeyGivenNeitherWayIsRefused() {
        #expect(Self.said("pagerduty:\n  - team: sre\n")
            == ["notify.yaml:2:5: give the routing key as routing_key_env: VARIABLE or routing_key_file: PATH (0600)"])
        #expect(Self.said("slack:\n  - events: [close]\n")
            == ["notify.yaml:2:5: give the webhook URL as webhook_url_env: VARIABLE or webhook_url_file: PATH (0600)"])
    }

    @Test func aRoutingKeyThatIsNot32CharactersIsRefusedWithoutSayingIt() {
        let short = "short-secret-value"
        #expect(Self.said("pagerduty:\n  - team: sre\n    routing_key_env: PD_SRE_KEY\n", environment: ["PD_SRE_KEY": short], secrets: [short])
            == ["notify.yaml:2:5: the routing key from $PD_SRE_KEY is 18 characters; PagerDuty's integration keys are 32"])
        let long = Self.routingKey + "Z"
        #expect(Self.said("pagerduty:\n  - team: sre\n    routing_key_env: PD_SRE_KEY\n", environment: ["PD_SRE_KEY": long], secrets: [long])
            == ["notify.yaml:2:5: the routing key from $PD_SRE_KEY is 33 characters; PagerDuty's integration keys are 32"])
    }

    @Test func aRoutingKeyFileOthersCanReadIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("sre.key")
        try Self.routingKey.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(chmod(path, 0o644) == 0)
        #expect(Self.said("pagerduty:\n  - team: sre\n    routing_key_file: \(path)\n")
            == ["notify.yaml:3:23: the routing key file \(path) can be read by others (mode 644); chmod 600 it"])
        #expect(chmod(path, 0o640) == 0)
        #expect(Self.said("pagerduty:\n  - team: sre\n    routing_key_file: \(path)\n")
            == ["notify.yaml:3:23: the routing key file \(path) can be read by others (mode 640); chmod 600 it"])
    }

    @Test func anEmptyOrMissingKeyFileIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("sre.key")
        try " \n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(chmod(path, 0o600) == 0)
        #expect(Self.said("pagerduty:\n  - team: sre\n    routing_key_file: \(path)\n")
            == ["notify.yaml:3:23: the routing key file \(path) is empty, or not text"])
        let missing = folder.file("missing.key")
        #expect(Self.said("pagerduty:\n  - team: sre\n    routing_key_file: \(missing)\n")
            == ["notify.yaml:3:23: the routing key file \(missing): No such file or directory"])
    }

    @Test func aSlackWebhookURLInPlainTextIsRefusedWithoutSayingIt() {
        #expect(Self.said("slack:\n  - webhook_url: \(Self.slackURL)\n    events: [close]\n")
            == ["notify.yaml:2:18: a Slack webhook URL is a secret: give webhook_url_env NAME or webhook_url_file PATH (0600), not the URL"])
    }

    @Test func anUnknownEventIsRefused() {
        #expect(Self.said("slack:\n  - webhook_url_env: SLACK_URL\n    events: [update, paged]\n")
            == ["notify.yaml:3:22: 'paged' is not an event; use all, escalation, update, severity, milestone, close"])
        #expect(Self.said("webhook:\n  - url: https://h.example.com/x\n    events: [escalate]\n")
            == ["notify.yaml:3:14: 'escalate' is not an event; use all, escalation, update, severity, milestone, close"])
    }

    @Test(arguments: [0, 21, -1])
    func attemptsOutside1To20AreRefused(attempts: Int) {
        #expect(Self.said("webhook:\n  - url: https://h.example.com/x\nretry:\n  attempts: \(attempts)\n")
            == ["notify.yaml:4:13: attempts is 1 to 20"])
    }

    @Test func retryDurationsOutOfRangeOrNotDurationsAreRefused() {
        let errors = Self.said("webhook:\n  - url: https://h.example.com/x\nretry:\n  backoff: 1ms\n  max_backoff: 2h\n  timeout: soon\n")
        #expect(errors.count == 3, "\(errors)")
        #expect(errors.first?.hasPrefix("notify.yaml:4:12: backoff is 0.01s to 3600s") == true, "\(errors)")
        #expect(errors.dropFirst().first?.hasPrefix("notify.yaml:5:16: max_backoff is 0.01s to 3600s") == true, "\(errors)")
        #expect(errors.last?.hasPrefix("notify.yaml:6:12: 'timeout' is not a duration") == true, "\(errors)")
    }

    @Test func aURLThatIsNotHTTPIsRefused() {
        #expect(Self.said("webhook:\n  - url: hooks.example.com/warroom\n")
            == ["notify.yaml:2:5: the URL from url is not an http(s) URL"])
        #expect(Self.said("pagerduty:\n  - team: sre\n    routing_key_env: PD_SRE_KEY\n    url: ftp://pd.example.com/enqueue\n")
            == ["notify.yaml:4:10: url 'ftp://pd.example.com/enqueue' is not an http(s) URL"])
        let secretNonURL = "hooks.slack.com/services/T1/B1/NotAURLsecret"
        #expect(Self.said("slack:\n  - webhook_url_env: SLACK_URL\n", environment: ["SLACK_URL": secretNonURL], secrets: [secretNonURL])
            == ["notify.yaml:2:5: the URL from $SLACK_URL is not an http(s) URL"])
        #expect(Self.said("webhook:\n  - url: https://h.example.com/a path\n")
            == ["notify.yaml:2:5: the URL from url is not an http(s) URL"], "whitespace")
    }

    @Test func aTeamNamedTwiceIsRefused() {
        #expect(Self.said("pagerduty:\n  - team: sre\n    routing_key_env: PD_SRE_KEY\n  - team: sre\n    routing_key_env: PD_DBA_KEY\n")
            == ["notify.yaml:4:11: team 'sre' is named twice; one service per team"])
    }

    @Test func anEmptyFileIsRefused() {
        #expect(Self.said("") == ["notify.yaml:1:1: the file is empty; a notify file is a YAML mapping"])
        #expect(Self.said("\n  \n") == ["notify.yaml:1:1: the file is empty; a notify file is a YAML mapping"])
    }

    @Test func aFileNamingNoReceiverIsRefused() {
        #expect(Self.said("{}\n") == ["notify.yaml:1:1: names no receiver: give pagerduty, slack or webhook (docs/NOTIFY.md)"])
        #expect(Self.said("- pagerduty\n") == ["notify.yaml:1:1: a notify file must be a mapping (key: value)"])
    }

    /// A file whose only keys are retry settings, or whose receiver lists are empty, names no
    /// receiver either.
    @Test func aFileWithOnlyRetrySettingsOrEmptyListsNamesNoReceiver() {
        #expect(Self.refusal("retry:\n  attempts: 3\n") != nil)
        #expect(Self.refusal("pagerduty: []\nslack: []\n") != nil)
    }

    @Test func unknownKeysAreRefusedAndAPlainSecretUnderOneIsNeverSaid() {
        #expect(Self.said("pagerduty:\n  - team: sre\n    routing_key: \(Self.routingKey)\n") == [
            "notify.yaml:2:5: give the routing key as routing_key_env: VARIABLE or routing_key_file: PATH (0600)",
            "notify.yaml:3:5: unknown field 'routing_key' in a pagerduty service (did you mean 'routing_key_env'?)",
        ])
        let top = Self.said("slak:\n  - webhook_url_env: SLACK_URL\n")
        #expect(top.count == 1 && top[0].hasPrefix("notify.yaml:1:1: unknown field 'slak' in a notify file"), "\(top)")
        let slack = Self.said("slack:\n  - webhook_url_env: SLACK_URL\n    url: \(Self.slackURL)\n")
        #expect(slack.count == 1 && slack[0].hasPrefix("notify.yaml:3:5: unknown field 'url' in a slack receiver"), "\(slack)")
        let retry = Self.said("webhook:\n  - url: https://h.example.com/x\nretry:\n  retries: 3\n")
        #expect(retry.count == 1 && retry[0].hasPrefix("notify.yaml:4:3: unknown field 'retries' in retry"), "\(retry)")
    }

    @Test func everyProblemIsSaidInLineOrder() {
        let yaml = "retry:\n  attempts: 0\npagerduty:\n  - team: sre\n    routing_key_env: NOPE\nslack:\n  - webhook_url: \(Self.slackURL)\n"
        let lines = Self.refusal(yaml)?.diagnostics.map { "\($0.line):\($0.column)" }
        #expect(lines == ["2:13", "5:22", "7:18"])
    }

    @Test func aFileIsLoadedFromItsPath() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("notify.yaml")
        try Self.full.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try NotifyConfig.load(path: path, environment: Self.environment)
        #expect(config.origin == path)
        #expect(config.summary == "PagerDuty sre, dba · Slack ×1 · webhook ×1")
        #expect {
            _ = try NotifyConfig.load(path: path, environment: [:])
        } throws: { error in
            guard let error = error as? InputFileError else { return false }
            return error.diagnostics.map { "\($0.file):\($0.line):\($0.column)" } == ["\(path):3:22", "\(path):5:22", "\(path):8:22"]
                && !Self.secrets.contains { error.description.contains($0) }
        }
        #expect {
            _ = try NotifyConfig.load(path: folder.file("missing.yaml"), environment: Self.environment)
        } throws: { error in
            guard let error = error as? InputFileError, let first = error.diagnostics.first else { return false }
            return first.file == folder.file("missing.yaml") && first.message.hasPrefix("no such file")
        }
    }

    // MARK: - The plan

    static let t0 = Instant.parseISO8601("2023-11-05T03:45:00Z")!
    static let incident = "2023-11-05-0345-messaging"
    static let join = "warroom join 2023-11-05-0345-messaging"

    static func opened(severity: String = "SEV-1") -> TranscriptEntry {
        TranscriptEntry(seq: 1, at: t0, wall: t0, by: "alice", kind: .open, text: "Opened \(severity) incident",
                        data: ["incident": .string(incident), "title": "Messaging errors", "severity": .string(severity)])
    }

    static func escalation(seq: Int, to team: String, reason: String = "error rate at 12% and climbing") -> TranscriptEntry {
        let at = t0 + Int64(seq) * 60_000
        return TranscriptEntry(seq: seq, at: at, wall: at + 500, by: "alice", kind: .escalation, phase: "mitigation",
                               text: "Escalated to \(team)", data: ["to": .string(team), "reason": .string(reason)])
    }

    static func entry(seq: Int, _ kind: EntryKind, _ text: String, data: JSONObject = [:]) -> TranscriptEntry {
        let at = t0 + Int64(seq) * 60_000
        return TranscriptEntry(seq: seq, at: at, wall: at, by: "bob", kind: kind, text: text, data: data)
    }

    /// A file paging `sre` only, with no chat receivers.
    static func pagingSRE() throws -> NotifyConfig {
        try parse("pagerduty:\n  - team: sre\n    routing_key_env: PD_SRE_KEY\n")
    }

    static func body(_ intent: TranscriptEntry) -> JSONObject { intent.data["body"]?.objectValue ?? [:] }

    @Test func anEscalationToAConfiguredTeamTriggersAPageWithoutTheRoutingKey() throws {
        let escalation = Self.escalation(seq: 2, to: "sre")
        let state = IncidentState(entries: [Self.opened(), escalation])
        let intents = NotificationPlan.intents(for: [escalation], state: state, config: try Self.pagingSRE(), join: Self.join)
        try #require(intents.count == 1)
        let intent = intents[0]
        #expect(intent.kind == .notify)
        #expect(intent.at == escalation.at && intent.wall == escalation.wall && intent.by == "alice" && intent.phase == "mitigation")
        #expect(intent.data["channel"] == "pagerduty")
        #expect(intent.data["target"] == "sre")
        #expect(intent.data["event"] == "escalation")
        #expect(intent.data["action"] == "trigger")
        #expect(intent.data["cause"] == .int(2))
        #expect(intent.data["dedup_key"] == "2023-11-05-0345-messaging/sre")
        #expect(intent.text.hasPrefix("Page sre on PagerDuty: "), "\(intent.text)")
        let body = Self.body(intent)
        #expect(body["event_action"] == "trigger")
        #expect(body["dedup_key"] == "2023-11-05-0345-messaging/sre")
        #expect(body["routing_key"] == nil, "added only when sent")
        #expect(!body.keys.contains("routing_key"))
        let payload = try #require(body["payload"]?.objectValue)
        #expect(payload["summary"] == "[SEV-1] Messaging errors — escalated to sre by alice: error rate at 12% and climbing")
        #expect(payload["severity"] == "critical")
        #expect(payload["source"] == "warroom 2023-11-05-0345-messaging")
        #expect(payload["timestamp"] == .string(escalation.wall.iso8601))
        #expect(payload["component"] == "sre")
        let details = try #require(payload["custom_details"]?.objectValue)
        #expect(details["join"] == .string(Self.join))
        #expect(details["incident"] == .string(Self.incident))
        #expect(details["title"] == "Messaging errors")
        #expect(details["severity"] == "SEV-1")
        #expect(details["escalated_by"] == "alice")
        #expect(details["reason"] == "error rate at 12% and climbing")
        #expect(details["phase"] == "mitigation")
        // Nothing recorded holds the key.
        let line = String(decoding: intent.lineBytes(), as: UTF8.self)
        #expect(!line.contains(Self.routingKey))
    }

    @Test func anEscalationToATeamWithNoServiceSendsNoPage() throws {
        let escalation = Self.escalation(seq: 2, to: "dba")
        let state = IncidentState(entries: [Self.opened(), escalation])
        #expect(NotificationPlan.intents(for: [escalation], state: state, config: try Self.pagingSRE(), join: Self.join).isEmpty)
        let notEscalation = Self.entry(seq: 3, .note, "checking the dashboards")
        #expect(NotificationPlan.intents(for: [notEscalation], state: state, config: try Self.parse(Self.full), join: Self.join).isEmpty)
    }

    @Test func aLongReasonKeepsTheSummaryWithinPagerDutysLimit() throws {
        let reason = String(repeating: "r", count: 5000)
        let escalation = Self.escalation(seq: 2, to: "sre", reason: reason)
        let state = IncidentState(entries: [Self.opened(), escalation])
        let intent = try #require(NotificationPlan.intents(for: [escalation], state: state, config: try Self.pagingSRE(), join: Self.join).first)
        let payload = try #require(Self.body(intent)["payload"]?.objectValue)
        let summary = try #require(payload["summary"]?.stringValue)
        #expect(summary.count <= 1024)
        #expect(summary.count == 1024, "cut, not dropped")
        #expect(summary.hasPrefix("[SEV-1] Messaging errors — escalated to sre by alice: rrr"))
        #expect(payload["custom_details"]?["reason"] == .string(reason), "whole in the details")
    }

    @Test(arguments: [("SEV-1", "critical"), ("SEV-2", "error"), ("SEV-3", "warning"), ("SEV-4", "info")])
    func thePagesSeverityFollowsTheIncidents(severity: String, expected: String) throws {
        let escalation = Self.escalation(seq: 2, to: "sre")
        let state = IncidentState(entries: [Self.opened(severity: severity), escalation])
        let intent = try #require(NotificationPlan.intents(for: [escalation], state: state, config: try Self.pagingSRE(), join: Self.join).first)
        #expect(Self.body(intent)["payload"]?["severity"] == .string(expected))
        #expect(Self.body(intent)["payload"]?["summary"]?.stringValue?.hasPrefix("[\(severity)] ") == true)
    }

    @Test func theSeverityIsTheIncidentsAtTheEscalation() throws {
        let raised = Self.entry(seq: 2, .severity, "Severity SEV-1", data: ["from": "SEV-3", "to": "SEV-1"])
        let escalation = Self.escalation(seq: 3, to: "sre")
        let state = IncidentState(entries: [Self.opened(severity: "SEV-3"), raised, escalation])
        let intent = try #require(NotificationPlan.intents(for: [escalation], state: state, config: try Self.pagingSRE(), join: Self.join).first)
        #expect(Self.body(intent)["payload"]?["severity"] == "critical")
    }

    @Test func closeResolvesEveryTriggeredPageUnderItsOwnDedupKey() throws {
        let config = try Self.parse(
            "pagerduty:\n  - team: sre\n    routing_key_env: PD_SRE_KEY\n  - team: dba\n    routing_key_env: PD_DBA_KEY\n")
        let escalations = [Self.escalation(seq: 2, to: "sre"), Self.escalation(seq: 3, to: "dba")]
        var state = IncidentState(entries: [Self.opened()] + escalations)
        let triggers = NotificationPlan.intents(for: escalations, state: state, config: config, join: Self.join)
        #expect(triggers.map { $0.data["action"] } == ["trigger", "trigger"])
        // Nothing triggered yet: a close resolves nothing.
        let early = Self.entry(seq: 4, .close, "Closed")
        #expect(NotificationPlan.intents(for: [early], state: state, config: config, join: Self.join).isEmpty)
        for (offset, var trigger) in triggers.enumerated() {
            trigger.seq = 4 + offset
            state.apply(trigger)
        }
        #expect(state.pagesTriggered.map(\.team) == ["sre", "dba"])
        let close = Self.entry(seq: 6, .close, "Closed: fixed", data: ["summary": "fixed"])
        state.apply(close)
        let resolves = NotificationPlan.intents(for: [close], state: state, config: config, join: Self.join)
        #expect(resolves.map { $0.data["target"] } == ["sre", "dba"])
        #expect(resolves.allSatisfy { $0.kind == .notify && $0.data["channel"] == "pagerduty" && $0.data["action"] == "resolve" })
        #expect(resolves.allSatisfy { $0.data["event"] == "close" && $0.data["cause"] == .int(6) })
        for (resolve, trigger) in zip(resolves, triggers) {
            #expect(resolve.data["dedup_key"] == trigger.data["dedup_key"])
            #expect(Self.body(resolve) == ["event_action": "resolve", "dedup_key": trigger.data["dedup_key"]!])
        }
        #expect(resolves.map { $0.data["dedup_key"] } == ["2023-11-05-0345-messaging/sre", "2023-11-05-0345-messaging/dba"])
    }

    @Test func slackAndWebhooksGetOnlyTheEventsTheyList() throws {
        let config = try Self.parse("""
            pagerduty:
              - team: sre
                routing_key_env: PD_SRE_KEY
            slack:
              - webhook_url_env: SLACK_URL
                events: [update, close]
            webhook:
              - url: https://hooks.example.com/a
                events: [escalation, milestone]
              - url: https://hooks.example.com/b
                events: [all]

            """)
        let entries = [
            Self.escalation(seq: 2, to: "sre"),
            Self.entry(seq: 3, .update, "rolled back the config"),
            Self.entry(seq: 4, .severity, "Severity SEV-2", data: ["from": "SEV-1", "to": "SEV-2"]),
            Self.entry(seq: 5, .milestone, "Mitigated", data: ["milestone": "mitigated"]),
            Self.entry(seq: 6, .close, "Closed"),
        ]
        let state = IncidentState(entries: [Self.opened()] + entries)
        let intents = NotificationPlan.intents(for: entries, state: state, config: config, join: Self.join)
        let routed = intents.map { "\($0.data["event"]?.stringValue ?? "?") \($0.data["channel"]?.stringValue ?? "?") \($0.data["target"]?.stringValue ?? "?")" }
        #expect(routed == [
            "escalation pagerduty sre", "escalation webhook webhook[1]", "escalation webhook webhook[2]",
            "update slack slack[1]", "update webhook webhook[2]",
            "severity webhook webhook[2]",
            "milestone webhook webhook[1]", "milestone webhook webhook[2]",
            "close slack slack[1]", "close webhook webhook[2]",
        ])
        #expect(intents.filter { $0.data["channel"] != "pagerduty" }.allSatisfy { $0.data["action"] == nil && $0.data["dedup_key"] == nil })
        let webhook = Self.body(intents[1])
        #expect(webhook["version"] == 1)
        #expect(webhook["event"] == "escalation")
        #expect(webhook["incident"] == .string(Self.incident))
        #expect(webhook["seq"] == .int(2))
        #expect(webhook["by"] == "alice")
        #expect(webhook["join"] == .string(Self.join))
        #expect(webhook["data"] == .object(entries[0].data))
        #expect(webhook["text"]?.stringValue?.hasPrefix("[") == true)
        for intent in intents {
            let line = String(decoding: intent.lineBytes(), as: UTF8.self)
            #expect(!Self.secrets.contains { line.contains($0) }, "\(line)")
        }
    }

    @Test func slackTextEscapesAmpersandAndAngleBrackets() throws {
        let config = try Self.parse("slack:\n  - webhook_url_env: SLACK_URL\n")
        let update = Self.entry(seq: 2, .update, "p99 < 200ms & errors > 5% <@U123> <!channel>")
        let state = IncidentState(entries: [Self.opened(), update])
        let intent = try #require(NotificationPlan.intents(for: [update], state: state, config: config, join: Self.join).first)
        let body = Self.body(intent)
        let expected = "[SEV-1] Messaging errors — update from bob: p99 &lt; 200ms &amp; errors &gt; 5% &lt;@U123&gt; &lt;!channel&gt;"
        #expect(body["text"] == .string(expected))
        let blocks = try #require(body["blocks"]?.arrayValue)
        try #require(blocks.count == 2)
        #expect(blocks[0]["type"] == "section")
        #expect(blocks[0]["text"]?["type"] == "mrkdwn")
        #expect(blocks[0]["text"]?["text"] == .string(expected))
        #expect(blocks[1]["type"] == "context")
        #expect(blocks[1]["elements"]?.arrayValue?.first?["text"] == .string("\(Self.incident) · \(Self.join)"))
        let serialized = JSONValue.object(body).serialized()
        #expect(!serialized.contains("<"), "\(serialized)")
        #expect(!serialized.contains(">"), "\(serialized)")
    }

    @Test func aSlackSectionsTextStaysWithinSlacksLimit() throws {
        let config = try Self.parse("slack:\n  - webhook_url_env: SLACK_URL\n")
        for text in [String(repeating: "u", count: 5000), String(repeating: "<&>", count: 2000)] {
            let update = Self.entry(seq: 2, .update, text)
            let state = IncidentState(entries: [Self.opened(), update])
            let intent = try #require(NotificationPlan.intents(for: [update], state: state, config: config, join: Self.join).first)
            let body = Self.body(intent)
            let section = try #require(body["blocks"]?.arrayValue?.first?["text"]?["text"]?.stringValue)
            #expect(section.count <= 3000)
            #expect(section.count > 2900, "cut, not dropped")
            #expect(section.hasPrefix("[SEV-1] Messaging errors — update from bob: "))
            #expect((body["text"]?.stringValue?.count ?? .max) <= 4000)
        }
    }

    /// Whether `text` has an `&` that does not begin `&amp;`, `&lt;` or `&gt;` (an entity cut short).
    static func hasDanglingAmpersand(_ text: String) -> Bool {
        var rest = Substring(text)
        while let index = rest.firstIndex(of: "&") {
            let tail = rest[index...]
            if !(tail.hasPrefix("&amp;") || tail.hasPrefix("&lt;") || tail.hasPrefix("&gt;")) { return true }
            rest = rest[rest.index(after: index)...]
        }
        return false
    }

    /// The text is cut to Slack's limits with whole entities: never a bare `&` (or `&am`) at the end.
    @Test func aCutSlackSectionEndsOnAWholeEntity() throws {
        let config = try Self.parse("slack:\n  - webhook_url_env: SLACK_URL\n")
        for pad in 0..<5 {
            let update = Self.entry(seq: 2, .update, String(repeating: "x", count: pad) + String(repeating: "&", count: 1000))
            let state = IncidentState(entries: [Self.opened(), update])
            let body = try #require(NotificationPlan.intents(for: [update], state: state, config: config, join: Self.join).first).data["body"]
            let section = try #require(body?["blocks"]?.arrayValue?.first?["text"]?["text"]?.stringValue)
            let text = try #require(body?["text"]?.stringValue)
            #expect(section.count <= 3000)
            let sectionCutShort = Self.hasDanglingAmpersand(section), textCutShort = Self.hasDanglingAmpersand(text)
            #expect(!sectionCutShort, "pad \(pad): the section ends …\(section.suffix(12))")
            #expect(!textCutShort, "pad \(pad): the text ends …\(text.suffix(12))")
        }
    }

    // MARK: - The sender

    /// A receiver that answers from a script (then 202s), and remembers every call and when.
    final class ScriptedPoster: NotificationPosting, @unchecked Sendable {
        struct Call {
            var url: String
            var body: [UInt8]
            var timeout: Double
            var at: Date
            var text: String { String(decoding: body, as: UTF8.self) }
        }

        private let lock = NSLock()
        private var script: [PostAnswer]
        private var made: [Call] = []

        init(_ script: [PostAnswer]) {
            self.script = script
        }

        func post(url: String, body: [UInt8], timeout: Double) -> PostAnswer {
            lock.withLock {
                made.append(Call(url: url, body: body, timeout: timeout, at: Date()))
                return script.isEmpty ? PostAnswer(status: 202, said: #"{"status":"success"}"#) : script.removeFirst()
            }
        }

        var calls: [Call] { lock.withLock { made } }
    }

    static func answers(_ statuses: Int...) -> [PostAnswer] {
        statuses.map { PostAnswer(status: $0, said: "HTTP \($0)") }
    }

    /// The sender's config: `sre` paged at a local URL, Slack, and `retry`.
    static func senderConfig(retry: String = "{backoff: 10ms}") throws -> NotifyConfig {
        try parse("""
            pagerduty:
              - team: sre
                routing_key_env: PD_SRE_KEY
                url: http://127.0.0.1:9/pagerduty
            slack:
              - webhook_url_env: SLACK_URL
            retry: \(retry)

            """)
    }

    /// The record of `sre`'s trigger, as the state folds it (seq 3).
    static func triggerRecord(config: NotifyConfig) throws -> NotificationRecord {
        let escalation = Self.escalation(seq: 2, to: "sre")
        let state = IncidentState(entries: [Self.opened(), escalation])
        var intent = try #require(NotificationPlan.intents(for: [escalation], state: state, config: config, join: Self.join).first)
        intent.seq = 3
        return NotificationRecord(entry: intent)
    }

    @Test func fiveHundredsAreRetriedWithADoublingBackoffUntilDelivered() throws {
        let config = try Self.senderConfig()
        let poster = ScriptedPoster(Self.answers(500, 500, 500, 202))
        let sender = NotificationSender(config: config, poster: poster)
        #expect(sender.send(try Self.triggerRecord(config: config)))
        #expect(sender.waitUntilIdle(seconds: 2))
        #expect(!sender.isBusy)
        let results = sender.takeResults()
        #expect(results.map(\.outcome) == ["retrying", "retrying", "retrying", "delivered"])
        #expect(results.map(\.attempt) == [1, 2, 3, 4])
        #expect(results.allSatisfy { $0.notify == 3 })
        #expect(results.map(\.answer.status) == [500, 500, 500, 202])
        #expect(results.map(\.retryIn) == [0.01, 0.02, 0.04, nil])
        let calls = poster.calls
        try #require(calls.count == 4)
        #expect(calls.allSatisfy { $0.url == "http://127.0.0.1:9/pagerduty" && $0.timeout == 5 })
        #expect(calls.allSatisfy { $0.body == calls[0].body }, "the same bytes each time")
        for (index, wait) in [0.01, 0.02, 0.04].enumerated() {
            #expect(calls[index + 1].at.timeIntervalSince(calls[index].at) >= wait * 0.95, "attempt \(index + 2) waited its backoff")
        }
        #expect(sender.takeResults().isEmpty, "taken once")
    }

    @Test func aFourHundredIsFinalAfterOneAttempt() throws {
        let config = try Self.senderConfig()
        let poster = ScriptedPoster([PostAnswer(status: 400, said: #"{"status":"invalid event"}"#)])
        let sender = NotificationSender(config: config, poster: poster)
        #expect(sender.send(try Self.triggerRecord(config: config)))
        #expect(sender.waitUntilIdle(seconds: 1))
        let results = sender.takeResults()
        #expect(results.map(\.outcome) == ["failed"])
        #expect(results.map(\.attempt) == [1])
        #expect(results.first?.retryIn == nil)
        #expect(results.first?.answer == PostAnswer(status: 400, said: #"{"status":"invalid event"}"#))
        #expect(poster.calls.count == 1)
    }

    @Test func aTooManyRequestsWaitsItsRetryAfter() throws {
        let config = try Self.senderConfig()
        let poster = ScriptedPoster([PostAnswer(status: 429, said: "slow down", retryAfter: 0.2)])
        let sender = NotificationSender(config: config, poster: poster)
        #expect(sender.send(try Self.triggerRecord(config: config)))
        #expect(sender.waitUntilIdle(seconds: 2))
        let results = sender.takeResults()
        #expect(results.map(\.outcome) == ["retrying", "delivered"])
        #expect(results.first?.retryIn == 0.2, "Retry-After, not the 10 ms backoff")
        let calls = poster.calls
        try #require(calls.count == 2)
        #expect(calls[1].at.timeIntervalSince(calls[0].at) >= 0.2)
    }

    @Test func theLastAttemptThatFailsIsFailed() throws {
        let config = try Self.senderConfig(retry: "{attempts: 2, backoff: 10ms}")
        let poster = ScriptedPoster(Self.answers(500, 500, 500))
        let sender = NotificationSender(config: config, poster: poster)
        #expect(sender.send(try Self.triggerRecord(config: config)))
        #expect(sender.waitUntilIdle(seconds: 1))
        let results = sender.takeResults()
        #expect(results.map(\.outcome) == ["retrying", "failed"])
        #expect(results.map(\.attempt) == [1, 2])
        #expect(results.last?.retryIn == nil)
        #expect(poster.calls.count == 2)
    }

    @Test func aRecordWithAttemptsMadeGoesOnFromThem() throws {
        let config = try Self.senderConfig()
        var record = try Self.triggerRecord(config: config)
        record.attempts = 2
        let poster = ScriptedPoster(Self.answers(503, 202))
        let sender = NotificationSender(config: config, poster: poster)
        #expect(sender.send(record))
        #expect(sender.waitUntilIdle(seconds: 1))
        let results = sender.takeResults()
        #expect(results.map(\.attempt) == [3, 4])
        #expect(results.map(\.outcome) == ["retrying", "delivered"])
        #expect(results.first?.retryIn == 0.04, "the backoff where the record left it")
        #expect(poster.calls.count == 2)
    }

    @Test func aRecordWhoseReceiverIsNotInTheFileIsNotSent() throws {
        let config = try Self.senderConfig()
        let poster = ScriptedPoster([])
        let sender = NotificationSender(config: config, poster: poster)
        var record = try Self.triggerRecord(config: config)
        record.target = "dba"
        #expect(!sender.send(record))
        record.channel = "slack"
        record.target = "slack[2]"
        #expect(!sender.send(record))
        record.channel = "webhook"
        record.target = "webhook[1]"
        #expect(!sender.send(record))
        record.channel = "sms"
        #expect(!sender.send(record))
        #expect(!sender.isBusy)
        #expect(sender.waitUntilIdle(seconds: 0.1))
        #expect(poster.calls.isEmpty)
        #expect(sender.takeResults().isEmpty)
    }

    @Test func pagerDutyGetsTheRoutingKeyFirstThenTheRecordedBody() throws {
        let config = try Self.senderConfig()
        let poster = ScriptedPoster([])
        let sender = NotificationSender(config: config, poster: poster)
        let record = try Self.triggerRecord(config: config)
        #expect(sender.send(record))
        #expect(sender.waitUntilIdle(seconds: 1))
        let sent = try #require(poster.calls.first).text
        let recorded = JSONValue.object(record.body).serialized()
        #expect(!recorded.contains(Self.routingKey))
        #expect(sent.hasPrefix(#"{"routing_key":"\#(Self.routingKey)","#), "\(sent)")
        #expect(sent == #"{"routing_key":"\#(Self.routingKey)","# + recorded.dropFirst())
        let parsed = try JSONValue.parse(sent)
        #expect(parsed["routing_key"] == .string(Self.routingKey))
        #expect(parsed["event_action"] == "trigger")
        #expect(sender.takeResults().map(\.outcome) == ["delivered"])
    }

    @Test func slackGetsTheRecordedBodyAtTheSecretURL() throws {
        let config = try Self.senderConfig()
        let poster = ScriptedPoster([PostAnswer(status: 200, said: "ok")])
        let sender = NotificationSender(config: config, poster: poster)
        let update = Self.entry(seq: 2, .update, "rolled back")
        let state = IncidentState(entries: [Self.opened(), update])
        var intent = try #require(NotificationPlan.intents(for: [update], state: state, config: config, join: Self.join).first)
        intent.seq = 3
        #expect(sender.send(NotificationRecord(entry: intent)))
        #expect(sender.waitUntilIdle(seconds: 1))
        let call = try #require(poster.calls.first)
        #expect(call.url == Self.slackURL)
        #expect(call.text == JSONValue.object(Self.body(intent)).serialized())
        #expect(sender.takeResults().map(\.outcome) == ["delivered"])
    }

    @Test func aReceiversAnswerIsClearedOfTheSecretsBeforeItIsRecorded() throws {
        let config = try Self.senderConfig()
        let tail = String(Self.slackURL.split(separator: "/").last ?? "")
        let echo = String(repeating: "x", count: 190) + " Cannot POST \(Self.slackURL) (\(tail))"
        let poster = ScriptedPoster([PostAnswer(status: 404, said: echo)])
        let sender = NotificationSender(config: config, poster: poster)
        let update = Self.entry(seq: 2, .update, "rolled back")
        let state = IncidentState(entries: [Self.opened(), update])
        var intent = try #require(NotificationPlan.intents(for: [update], state: state, config: config, join: Self.join).first)
        intent.seq = 3
        #expect(sender.send(NotificationRecord(entry: intent)))
        #expect(sender.waitUntilIdle(seconds: 1))
        let said = try #require(sender.takeResults().first?.answer.said)
        #expect(!said.contains(tail) && !said.contains(String(tail.prefix(8))), "\(said)")
        #expect(said.count <= 200)
    }

    @Test func stopDuringALongBackoffReturnsPromptlyAndMakesNoFurtherAttempt() throws {
        let config = try Self.senderConfig(retry: "{backoff: 30s}")
        let poster = ScriptedPoster(Self.answers(500))
        let sender = NotificationSender(config: config, poster: poster)
        #expect(sender.send(try Self.triggerRecord(config: config)))
        let deadline = Date().addingTimeInterval(1)
        var results: [NotificationSender.Result] = []
        while results.isEmpty, Date() < deadline {
            results = sender.takeResults()
            if results.isEmpty { usleep(5_000) }
        }
        #expect(results.map(\.outcome) == ["retrying"])
        #expect(results.first?.retryIn == 30)
        #expect(sender.isBusy, "waiting out its backoff")
        let started = Date()
        sender.stop(waiting: 2)
        #expect(Date().timeIntervalSince(started) < 1, "not the 30 s backoff")
        #expect(!sender.isBusy)
        usleep(50_000)
        #expect(poster.calls.count == 1)
        #expect(sender.takeResults().isEmpty)
    }
}
