import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// Alertmanager's webhook (payload version 4, as 0.25 writes it), the routes file, and intake:
/// the entries a notification adds to an incident, and `receive` over a folder of transcripts.
@Suite struct AlertIntakeTests {
    static let t0 = Instant.parseISO8601("2023-11-05T03:45:00Z")!
    static let groupKey = #"{}:{alertname="MessagingErrorRate"}"#
    static let summary = "Messaging 5xx above 5% for 2 minutes"

    /// A notification as Alertmanager 0.25 posts it, byte for byte in its key order: `receiver`
    /// regex-escaped, nanosecond times with an offset, a firing alert's zero `endsAt`.
    static let recorded = #"""
        {"receiver":"web\\.hook","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"MessagingErrorRate","service":"messaging","severity":"critical"},"annotations":{"summary":"Messaging 5xx above 5% for 2 minutes"},"startsAt":"2023-11-05T04:45:00.123456789+01:00","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=sum%28rate%28x%5B5m%5D%29%29&g0.tab=1","fingerprint":"8a1d5c0e9b7f3a21"}],"groupLabels":{"alertname":"MessagingErrorRate"},"commonLabels":{"alertname":"MessagingErrorRate","service":"messaging","severity":"critical"},"commonAnnotations":{"summary":"Messaging 5xx above 5% for 2 minutes"},"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{alertname=\"MessagingErrorRate\"}","truncatedAlerts":0}
        """#

    /// One alert of a notification, as JSON; `labels` and `annotations` are members of their objects.
    static func alert(status: String = "firing", labels: String = #""alertname":"MessagingErrorRate","severity":"critical""#,
                      annotations: String = #""summary":"Messaging 5xx above 5% for 2 minutes""#,
                      startsAt: String = "2023-11-05T03:40:00.5Z", endsAt: String = "0001-01-01T00:00:00Z",
                      fingerprint: String? = "8a1d5c0e9b7f3a21") -> String {
        let print = fingerprint.map { #","fingerprint":"\#($0)""# } ?? ""
        return #"{"status":"\#(status)","labels":{\#(labels)},"annotations":{\#(annotations)},"startsAt":"\#(startsAt)","endsAt":"\#(endsAt)","generatorURL":"http://prometheus:9090/graph"\#(print)}"#
    }

    /// A webhook body around `alerts`; `extra` are more members of its object.
    static func notification(_ alerts: [String], status: String = "firing", groupLabels: String = #""alertname":"MessagingErrorRate""#,
                             commonLabels: String = #""alertname":"MessagingErrorRate""#, commonAnnotations: String = "",
                             version: String = #""version":"4","#, extra: String = "") -> String {
        #"{"receiver":"web\\.hook","status":"\#(status)","alerts":[\#(alerts.joined(separator: ","))],"groupLabels":{\#(groupLabels)},"commonLabels":{\#(commonLabels)},"commonAnnotations":{\#(commonAnnotations)},"externalURL":"http://alertmanager:9093",\#(version)"groupKey":"{}:{alertname=\"MessagingErrorRate\"}"\#(extra)}"#
    }

    static func parse(_ body: String) throws -> AlertmanagerPayload {
        try AlertmanagerPayload.parse(Array(body.utf8))
    }

    // MARK: - The payload

    @Test func aVersion4NotificationIsReadAsAlertmanagerWritesIt() throws {
        let payload = try Self.parse(Self.recorded)
        #expect(payload.receiver == #"web\.hook"#, "kept as Alertmanager sends it")
        #expect(payload.firing)
        #expect(payload.groupKey == Self.groupKey)
        #expect(payload.groupLabels == ["alertname": "MessagingErrorRate"])
        #expect(payload.commonLabels == ["alertname": "MessagingErrorRate", "service": "messaging", "severity": "critical"])
        #expect(payload.commonAnnotations == ["summary": Self.summary])
        #expect(payload.externalURL == "http://alertmanager:9093")
        try #require(payload.alerts.count == 1)
        let alert = payload.alerts[0]
        #expect(alert.firing)
        #expect(alert.name == "MessagingErrorRate")
        #expect(alert.labels["severity"] == "critical")
        #expect(alert.annotations == ["summary": Self.summary])
        #expect(alert.startsAt == Instant.parseISO8601("2023-11-05T03:45:00.123Z"), "\(alert.startsAt)")
        #expect(alert.endsAt == nil, "0001-01-01T00:00:00Z is Go's zero time: still firing")
        #expect(alert.generatorURL == "http://prometheus:9090/graph?g0.expr=sum%28rate%28x%5B5m%5D%29%29&g0.tab=1")
        #expect(alert.fingerprint == "8a1d5c0e9b7f3a21", "Alertmanager's own fingerprint is kept")
        #expect(alert.summary == Self.summary)
    }

    /// An alert with no `alertname` is still an alert: never refused (Alertmanager would not send it again).
    @Test func anAlertWithNoNameIsReadAsAnUnnamedAlert() throws {
        let payload = try Self.parse(Self.notification([Self.alert(labels: #""severity":"critical""#)]))
        #expect(payload.alerts[0].name == "unnamed alert")
    }

    @Test func keysANewerAlertmanagerAddsUnderTheSameVersionAreIgnored() throws {
        let plain = try Self.parse(Self.notification([Self.alert()]))
        let newer = Self.notification(
            [Self.alert().replacingOccurrences(of: #""status":"firing","#, with: #""status":"firing","mutedBy":["maintenance"],"silencedBy":[],"#)],
            extra: #","truncatedAlerts":0,"notification_reason":"repeat","mutedBy":{"maintenance":true}"#)
        #expect(newer.contains("mutedBy") && newer.contains("notification_reason"))
        #expect(try Self.parse(newer) == plain)
    }

    @Test(arguments: [
        ("2023-11-05T03:45:00Z", "2023-11-05T03:45:00.000Z"),
        ("2023-11-05T03:45:00.1Z", "2023-11-05T03:45:00.100Z"),
        ("2023-11-05T03:45:00.12Z", "2023-11-05T03:45:00.120Z"),
        ("2023-11-05T03:45:00.123Z", "2023-11-05T03:45:00.123Z"),
        ("2023-11-05T03:45:00.123456789Z", "2023-11-05T03:45:00.123Z"),
        ("2023-11-05T04:45:00.123456789+01:00", "2023-11-05T03:45:00.123Z"),
        ("2023-11-04T22:45:00.5-05:00", "2023-11-05T03:45:00.500Z"),
        ("2023-11-05T09:15:00.000000001+05:30", "2023-11-05T03:45:00.000Z"),
    ])
    func timesCarryZeroToNineFractionDigitsAndAnyOffset(written: String, utc: String) throws {
        let payload = try Self.parse(Self.notification([Self.alert(startsAt: written)]))
        #expect(payload.alerts[0].startsAt.iso8601 == utc)
    }

    @Test func aResolvedAlertKeepsItsEndAndAFiringOneHasNone() throws {
        let resolved = try Self.parse(Self.notification(
            [Self.alert(status: "resolved", endsAt: "2023-11-05T05:10:00.250000000+01:00")], status: "resolved"))
        #expect(!resolved.firing)
        #expect(!resolved.alerts[0].firing)
        #expect(resolved.alerts[0].endsAt == Instant.parseISO8601("2023-11-05T04:10:00.250Z"))
        // A firing alert whose `endsAt` is in the future (Alertmanager's resolve timeout) has no end yet.
        let firing = try Self.parse(Self.notification([Self.alert(endsAt: "2023-11-05T04:50:00Z")]))
        #expect(firing.alerts[0].firing)
        #expect(firing.alerts[0].endsAt == nil)
    }

    @Test(arguments: [
        ("not json at all", "the body is not JSON"),
        (#"["version","4"]"#, "the body is not a JSON object"),
        (#""4""#, "the body is not a JSON object"),
        (#"{"alerts":[],"groupKey":"g"}"#, "'version' is missing"),
        (AlertIntakeTests.notification([AlertIntakeTests.alert()], version: ""), "'version' is missing"),
        (AlertIntakeTests.notification([AlertIntakeTests.alert()], version: #""version":"3","#), #"payload version "3" is not one warroom reads"#),
        (#"{"version":"4","groupKey":"g"}"#, "'alerts' is missing"),
        (#"{"version":"4","groupKey":"g","alerts":{}}"#, "'alerts' is missing or not a list"),
        (AlertIntakeTests.notification([]), "'alerts' is empty"),
        (#"{"version":"4","alerts":[{}]}"#, "'groupKey' is missing"),
        (AlertIntakeTests.notification([AlertIntakeTests.alert(), #""firing""#]), "alerts[1] is not an object"),
        (AlertIntakeTests.notification([AlertIntakeTests.alert(), AlertIntakeTests.alert(labels: #""alertname":"MessagingErrorRate","severity":2"#)]), "alerts[1].labels.severity is not a string"),
        (AlertIntakeTests.notification([AlertIntakeTests.alert(), AlertIntakeTests.alert(startsAt: "yesterday")]), "alerts[1].startsAt 'yesterday' is not an RFC 3339 time"),
        (AlertIntakeTests.notification([AlertIntakeTests.alert(), AlertIntakeTests.alert(startsAt: "0001-01-01T00:00:00Z")]), "alerts[1].startsAt '0001-01-01T00:00:00Z' is not an RFC 3339 time"),
        (AlertIntakeTests.notification([AlertIntakeTests.alert().replacingOccurrences(of: #""startsAt":"2023-11-05T03:40:00.5Z","#, with: "")]), "alerts[0].startsAt is missing"),
        (AlertIntakeTests.notification([AlertIntakeTests.alert(status: "resolved", endsAt: "soon")]), "alerts[0].endsAt 'soon' is not an RFC 3339 time"),
        (AlertIntakeTests.notification([AlertIntakeTests.alert(annotations: #""summary":["a","b"]"#)]), "alerts[0].annotations.summary is not a string"),
        (AlertIntakeTests.notification([AlertIntakeTests.alert()], groupLabels: #""alertname":null"#), "groupLabels.alertname is not a string"),
        (AlertIntakeTests.notification([AlertIntakeTests.alert()], commonLabels: #""alertname":{"x":1}"#), "commonLabels.alertname is not a string"),
    ])
    func aBodyWarroomCannotReadSaysInOneLineWhatAndWhere(body: String, message: String) {
        #expect {
            _ = try Self.parse(body)
        } throws: { error in
            guard let error = error as? AlertPayloadError else { return false }
            return error.description.contains(message) && !error.description.contains("\n") && error.description == error.reason
        }
    }

    @Test func binaryGarbageAndAnEmptyBodyAreErrorsNeverCrashes() throws {
        var bodies: [[UInt8]] = [[], [0], [0xFF, 0xFE, 0x00, 0x7B], Array("\u{FEFF}".utf8), Array(repeating: 0x5B, count: 100_000),
                                 Array(repeating: 0x7B, count: 1), Array("{\"version\":\"4\"".utf8) + [0xC3, 0x28] + Array("}".utf8)]
        // Pseudo-random bytes from a fixed seed, some around a JSON object's first brace.
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for length in 1...200 {
            var bytes: [UInt8] = []
            for _ in 0..<length {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes.append(UInt8(truncatingIfNeeded: seed >> 33))
            }
            bodies.append(bytes)
            bodies.append([0x7B] + bytes)
        }
        // Every cut of a real body: what a dropped connection leaves.
        let whole = Array(Self.recorded.utf8)
        for end in 0..<whole.count { bodies.append(Array(whole[..<end])) }
        for body in bodies {
            do {
                _ = try AlertmanagerPayload.parse(body)
                Issue.record("parsed \(body.prefix(40))")
            } catch let error as AlertPayloadError {
                #expect(!error.description.isEmpty && !error.description.contains("\n"), "\(error)")
            } catch {
                Issue.record("not an AlertPayloadError: \(error)")
            }
        }
        #expect(throws: AlertPayloadError("the body is not JSON (invalid JSON at byte 1: unexpected end of input)")) {
            _ = try AlertmanagerPayload.parse([])
        }
    }

    @Test func textQuotedFromTheBodyKeepsTheErrorOnOneLine() {
        let bodies = [
            (Self.notification([Self.alert(startsAt: #"2023-11-05\nT03:45:00Z"#)]), "alerts[0].startsAt"),
            (Self.notification([Self.alert(labels: #""alertname":"X","sev\nerity":1"#)]), "alerts[0].labels.sev"),
            (Self.notification([Self.alert()], version: #""version":"4\r\n","#), "payload version"),
        ]
        for (body, place) in bodies {
            do {
                _ = try Self.parse(body)
                Issue.record("parsed \(body)")
            } catch let error as AlertPayloadError {
                #expect(error.description.contains(place), "\(error)")
                // A bug: the body's text is quoted as it is, so a newline in it splits the error.
                #expect(!error.description.contains("\n") && !error.description.contains("\r"), "\(error)")
            } catch {
                Issue.record("not an AlertPayloadError: \(error)")
            }
        }
    }

    @Test func theTitleIsTheCommonSummaryElseTheOnlyAlertsElseTheGroupsLabels() throws {
        let common = try Self.parse(Self.notification([Self.alert(annotations: #""summary":"Own summary""#)], commonAnnotations: #""summary":"Shared summary""#))
        #expect(common.title == "Shared summary")

        let single = try Self.parse(Self.notification([Self.alert(annotations: #""summary":"Own summary""#)]))
        #expect(single.title == "Own summary")
        let described = try Self.parse(Self.notification([Self.alert(annotations: #""description":"Errors above 5%""#)]))
        #expect(described.title == "Errors above 5%")
        let bare = try Self.parse(Self.notification([Self.alert(labels: #""severity":"critical","alertname":"MessagingErrorRate","backend":"app""#, annotations: "")]))
        #expect(bare.title == "MessagingErrorRate (backend=app, severity=critical)")

        let two = [Self.alert(labels: #""alertname":"MessagingErrorRate","service":"messaging","zone":"a""#, annotations: #""summary":"Zone a""#, fingerprint: "a"),
                   Self.alert(labels: #""alertname":"MessagingErrorRate","service":"messaging","zone":"b""#, annotations: #""summary":"Zone b""#, fingerprint: "b")]
        let grouped = try Self.parse(Self.notification(two, groupLabels: #""service":"messaging","alertname":"MessagingErrorRate""#))
        #expect(grouped.title == "MessagingErrorRate (service=messaging)")
        let byService = try Self.parse(Self.notification(two, groupLabels: #""service":"messaging""#, commonLabels: #""service":"messaging""#))
        #expect(byService.title == "MessagingErrorRate (service=messaging)", "the first alert names it when the group's labels do not")
        let emptyCommon = try Self.parse(Self.notification(two, commonAnnotations: #""summary":"""#))
        #expect(emptyCommon.title == "MessagingErrorRate", "an empty common summary says nothing")
    }

    @Test func anAlertsKeyIsItsFingerprintStateAndStart() throws {
        let firing = try Self.parse(Self.notification([Self.alert(startsAt: "2023-11-05T04:45:00.123456789+01:00")])).alerts[0]
        #expect(firing.key == "alertmanager:8a1d5c0e9b7f3a21:firing:2023-11-05T03:45:00.123Z")
        let resolved = try Self.parse(Self.notification([Self.alert(status: "resolved", startsAt: "2023-11-05T03:45:00.123Z", endsAt: "2023-11-05T03:55:00Z")])).alerts[0]
        #expect(resolved.key == "alertmanager:8a1d5c0e9b7f3a21:resolved:2023-11-05T03:45:00.123Z")
        let again = try Self.parse(Self.notification([Self.alert(startsAt: "2023-11-05T04:00:00Z")])).alerts[0]
        #expect(again.key != firing.key, "the same alert firing again later is news")
        let sameStartAnotherWay = try Self.parse(Self.notification([Self.alert(startsAt: "2023-11-04T22:45:00.1234-05:00")])).alerts[0]
        #expect(sameStartAnotherWay.key == firing.key, "the same instant written another way is the same alert")
    }

    @Test func withoutAFingerprintOneIsComputedFromTheLabelsInAnyOrder() throws {
        let labels = #""alertname":"MessagingErrorRate","service":"messaging","severity":"critical""#
        let reordered = #""severity":"critical","service":"messaging","alertname":"MessagingErrorRate""#
        let first = try Self.parse(Self.notification([Self.alert(labels: labels, fingerprint: nil)])).alerts[0]
        let second = try Self.parse(Self.notification([Self.alert(labels: reordered, fingerprint: nil)])).alerts[0]
        let empty = try Self.parse(Self.notification([Self.alert(labels: labels, fingerprint: "")])).alerts[0]
        #expect(first.fingerprint.count == 16 && first.fingerprint.allSatisfy(\.isHexDigit), "\(first.fingerprint)")
        #expect(second.fingerprint == first.fingerprint)
        #expect(empty.fingerprint == first.fingerprint, "an empty fingerprint is none")
        #expect(first.fingerprint == AlertmanagerPayload.fingerprint(["severity": "critical", "alertname": "MessagingErrorRate", "service": "messaging"]))
        // Another value, another label, or a value moved to another name is another alert.
        let otherValue = try Self.parse(Self.notification([Self.alert(labels: #""alertname":"MessagingErrorRate","service":"messaging","severity":"warning""#, fingerprint: nil)])).alerts[0]
        let fewer = try Self.parse(Self.notification([Self.alert(labels: #""alertname":"MessagingErrorRate","service":"messaging""#, fingerprint: nil)])).alerts[0]
        #expect(Set([first.fingerprint, otherValue.fingerprint, fewer.fingerprint]).count == 3)
        #expect(AlertmanagerPayload.fingerprint(["alertname": "A", "x": "yz"]) != AlertmanagerPayload.fingerprint(["alertname": "A", "xy": "z"]))
    }

    // MARK: - Routes

    static func routes(_ text: String) throws -> AlertRoutes {
        try AlertRoutes.parse(bytes: Array(text.utf8), file: "routes.yaml").get()
    }

    /// A payload of one firing alert with `labels`, which are also the group's common labels.
    static func payload(_ labels: [String: String]) -> AlertmanagerPayload {
        let alert = AlertmanagerPayload.Alert(firing: true, labels: labels, annotations: [:], startsAt: t0, endsAt: nil, generatorURL: "",
                                              fingerprint: AlertmanagerPayload.fingerprint(labels))
        return AlertmanagerPayload(receiver: "warroom", firing: true, groupKey: groupKey, groupLabels: [:], commonLabels: labels,
                                   commonAnnotations: [:], externalURL: "", alerts: [alert])
    }

    @Test(arguments: [
        ("critical", "SEV-1"), ("error", "SEV-2"), ("warning", "SEV-3"), ("info", "SEV-4"), ("CRITICAL", "SEV-1"), ("Warning", "SEV-3"),
        ("page", "SEV-3"), ("", "SEV-3"),
    ])
    func theBuiltInRoutesMapTheSeverityLabel(value: String, severity: String) {
        let decision = AlertRoutes().decide(Self.payload(["alertname": "X", "severity": value]))
        #expect(decision.severity == severity)
        #expect(decision.playbook == nil && decision.route == nil)
    }

    @Test func withoutASeverityLabelTheDefaultHolds() {
        #expect(AlertRoutes().decide(Self.payload(["alertname": "X", "priority": "critical"])).severity == "SEV-3")
    }

    @Test func theFirstMatchingRouteWinsWithItsPlaybookAndSeverity() throws {
        let routes = try Self.routes("""
            routes:
              - match: {alertname: MessagingErrorRate, service: [messaging, chat]}
                playbook: lb-cascading-failure
              - match:
                  alertname: [MessagingErrorRate, MessagingLatency]
                playbook: messaging-latency
                severity: sev-2
              - match: {alertname: Noise}
                playbook: none
            default_playbook: generic-triage

            """)
        #expect(routes.origin == "routes.yaml")
        #expect(routes.routes.map(\.origin) == ["routes.yaml:2:5", "routes.yaml:4:5", "routes.yaml:8:5"])
        #expect(routes.routes[0].match == ["alertname": ["MessagingErrorRate"], "service": ["messaging", "chat"]])

        let both = routes.decide(Self.payload(["alertname": "MessagingErrorRate", "service": "chat", "severity": "critical"]))
        #expect(both.route == routes.routes[0], "both routes match: the first wins")
        #expect(both.playbook == "lb-cascading-failure")
        #expect(both.severity == "SEV-1", "no override: the label's mapping")

        let second = routes.decide(Self.payload(["alertname": "MessagingErrorRate", "service": "search", "severity": "critical"]))
        #expect(second.route == routes.routes[1], "every label of a route must match")
        #expect(second.playbook == "messaging-latency")
        #expect(second.severity == "SEV-2", "the route's severity overrides the label's")

        let listed = routes.decide(Self.payload(["alertname": "MessagingLatency"]))
        #expect(listed.route == routes.routes[1] && listed.severity == "SEV-2")

        let noise = routes.decide(Self.payload(["alertname": "Noise", "severity": "info"]))
        #expect(noise.route == routes.routes[2])
        #expect(noise.playbook == nil, "playbook: none opens a free-form incident, not the default playbook")
        #expect(noise.severity == "SEV-4")

        let unmatched = routes.decide(Self.payload(["alertname": "DiskFull", "severity": "warning"]))
        #expect(unmatched.route == nil)
        #expect(unmatched.playbook == "generic-triage")
        #expect(unmatched.severity == "SEV-3")

        let missingLabel = routes.decide(Self.payload(["severity": "critical", "service": "messaging"]))
        #expect(missingLabel.route == nil, "a label the alert lacks matches no value")
    }

    @Test func commonLabelsDecideAndTheFirstAlertFillsIn() throws {
        let routes = try Self.routes("routes:\n  - match: {alertname: A, zone: eu}\n    playbook: p\n")
        var payload = Self.payload(["alertname": "A", "zone": "us", "severity": "critical"])
        payload.commonLabels = ["alertname": "A", "zone": "eu"]
        let decision = routes.decide(payload)
        #expect(decision.playbook == "p", "the common zone overrides the first alert's")
        #expect(decision.severity == "SEV-1", "severity from the first alert, the common labels saying none")
        payload.commonLabels = [:]
        #expect(routes.decide(payload).playbook == nil)
    }

    @Test func aSeverityMappingReplacesTheBuiltInOne() throws {
        let routes = try Self.routes("""
            severity:
              label: priority
              map: {P1: sev-1, p2: SEV-2}
              default: sev-4
            default_playbook: none

            """)
        #expect(routes.severityLabel == "priority")
        #expect(routes.severityMap == ["p1": "SEV-1", "p2": "SEV-2"])
        #expect(routes.defaultSeverity == "SEV-4")
        #expect(routes.defaultPlaybook == nil)
        #expect(routes.decide(Self.payload(["alertname": "X", "priority": "P1"])).severity == "SEV-1")
        #expect(routes.decide(Self.payload(["alertname": "X", "priority": "P2"])).severity == "SEV-2")
        #expect(routes.decide(Self.payload(["alertname": "X", "priority": "p3", "severity": "critical"])).severity == "SEV-4",
                "the built-in map is gone, and the severity label is no longer read")
    }

    @Test(arguments: [
        ("severity:\n  default: SEV-9\n", "routes.yaml:2:12: 'SEV-9' is not a severity; use SEV-1 (highest) … SEV-5"),
        ("severity:\n  map: {critical: SEV-0}\n", "routes.yaml:2:19: 'SEV-0' is not a severity"),
        ("severity:\n  map: [critical]\n", "routes.yaml:2:8: severity.map is a mapping"),
        ("severity:\n  lable: sev\n", "routes.yaml:2:3: unknown field 'lable' in severity"),
        ("routes:\n  - match: [alertname]\n    playbook: x\n", "routes.yaml:2:12: match is a mapping of label: value"),
        ("routes:\n  - match: {}\n", "routes.yaml:2:12: match is a mapping"),
        ("routes:\n  - match: MessagingErrorRate\n", "routes.yaml:2:12: match is a mapping"),
        ("routes:\n  - match: {alertname: X}\n    playbok: x\n", "routes.yaml:3:5: unknown field 'playbok' in a route"),
        ("routes:\n  - playbook: x\n", "routes.yaml:2:5: missing required field 'match' in a route"),
        ("routes:\n  - match: {alertname: X}\n    severity: SEV-9\n", "routes.yaml:3:15: 'SEV-9' is not a severity"),
        ("routes:\n  - match: {alertname: {a: b}}\n", "routes.yaml:2:24: 'match.alertname' must be a single value"),
        ("routes:\n  alertname: X\n", "routes.yaml:2:3: 'routes' must be a list"),
        ("routs:\n  - match: {alertname: X}\n", "routes.yaml:1:1: unknown field 'routs' in a routes file"),
        ("default_playbook: [a, b]\n", "routes.yaml:1:19: 'default_playbook' must be a single value"),
        ("- a\n- b\n", "routes.yaml:1:1: a routes file must be a mapping"),
        ("", "routes.yaml:1:1: the file is empty"),
        ("routes: [\n", "routes.yaml:2:1: YAML syntax"),
    ])
    func aRoutesFileWithAProblemSaysWhereAndWhat(text: String, diagnostic: String) {
        guard case .failure(let error) = AlertRoutes.parse(bytes: Array(text.utf8), file: "routes.yaml") else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(error.description.hasPrefix(diagnostic), "\(error.description)")
    }

    @Test func everyProblemInARoutesFileIsSaidInLineOrder() {
        let text = "routes:\n  - match: {alertname: X}\n    severity: SEV-7\nseverity:\n  default: urgent\n"
        guard case .failure(let error) = AlertRoutes.parse(bytes: Array(text.utf8), file: "r.yaml") else {
            Issue.record("parsed")
            return
        }
        #expect(error.diagnostics.map { "\($0.line):\($0.column)" } == ["3:15", "5:12"], "\(error)")
        #expect(error.diagnostics.allSatisfy { $0.file == "r.yaml" && $0.severity == .error })
    }

    @Test func aRoutesFileIsLoadedFromItsPath() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try "routes:\n  - match: {alertname: X}\n    playbook: p\n".write(toFile: folder.file("routes.yaml"), atomically: true, encoding: .utf8)
        let routes = try AlertRoutes.load(path: folder.file("routes.yaml"))
        #expect(routes.routes.map(\.origin) == ["\(folder.file("routes.yaml")):2:5"])
        try "routes:\n  - match: X\n".write(toFile: folder.file("bad.yaml"), atomically: true, encoding: .utf8)
        #expect {
            _ = try AlertRoutes.load(path: folder.file("bad.yaml"))
        } throws: { error in
            guard let error = error as? InputFileError, let first = error.diagnostics.first else { return false }
            return error.diagnostics.count == 1 && first.file == folder.file("bad.yaml") && first.line == 2 && first.column == 12
        }
        #expect(throws: (any Error).self) { _ = try AlertRoutes.load(path: folder.file("missing.yaml")) }
    }

    // MARK: - Drafts

    /// An incident opened at `at` (seq 1).
    static func opened(at: Instant = t0) -> TranscriptEntry {
        TranscriptEntry(seq: 1, at: at, wall: at, by: AlertIntake.author, kind: .open, text: "Opened SEV-1 incident",
                        data: ["incident": "2023-11-05-0345-messaging", "title": "Messaging", "severity": "SEV-1"])
    }

    /// `entries` numbered on from `state`, folded into it.
    static func folding(_ entries: [TranscriptEntry], into state: IncidentState) -> IncidentState {
        var state = state
        for entry in entries {
            #expect(entry.seq == state.lastSeq + 1, "drafts are numbered on from the state")
            state.apply(entry)
        }
        return state
    }

    @Test func aFirstNotificationRecordsEachAlertThenDetectedAtTheEarliestStart() throws {
        let payload = try Self.parse(Self.notification([
            Self.alert(labels: #""alertname":"MessagingErrorRate","zone":"b""#, startsAt: "2023-11-05T03:42:00Z", fingerprint: "bbbb"),
            Self.alert(labels: #""alertname":"MessagingErrorRate","zone":"a""#, annotations: #""summary":"Zone a erroring""#,
                       startsAt: "2023-11-05T04:40:00.5+01:00", fingerprint: "aaaa"),
        ]))
        let now = Self.t0 + 60_000
        let state = IncidentState(entries: [Self.opened()])
        let drafts = AlertIntake.drafts(payload, state: state, now: now)
        #expect(drafts.map(\.kind) == [.alert, .alert, .milestone])
        #expect(drafts.map(\.seq) == [2, 3, 4])
        #expect(drafts.allSatisfy { $0.at == now && $0.wall == now && $0.by == AlertIntake.author })
        let earliest = drafts[0]
        #expect(earliest.data["fingerprint"] == "aaaa", "oldest first")
        #expect(earliest.data["key"] == "alertmanager:aaaa:firing:2023-11-05T03:40:00.500Z")
        #expect(earliest.data["state"] == "firing")
        #expect(earliest.data["alert"] == "MessagingErrorRate")
        #expect(earliest.data["since"] == "2023-11-05T03:40:00.500Z")
        #expect(earliest.data["group"] == .string(Self.groupKey))
        #expect(earliest.data["source"] == "alertmanager")
        #expect(earliest.data["summary"] == "Zone a erroring")
        #expect(earliest.data["labels"] == .object(["alertname": "MessagingErrorRate", "zone": "a"]))
        #expect(earliest.data["ended"] == nil)
        #expect(earliest.text == "Alert MessagingErrorRate firing since 03:40:00Z: Zone a erroring")
        #expect(drafts[1].data["key"] == "alertmanager:bbbb:firing:2023-11-05T03:42:00.000Z")
        let detected = drafts[2]
        #expect(detected.data["milestone"] == "detected")
        #expect(detected.data["time"] == "2023-11-05T03:40:00.500Z")
        #expect(detected.data["alert_seq"] == 2)

        let after = Self.folding(drafts, into: state)
        #expect(after.milestone(.detected) == Instant.parseISO8601("2023-11-05T03:40:00.5Z"))
        #expect(after.automaticKeys.isSuperset(of: payload.alerts.map(\.key)))
        #expect(after.firingAlerts["MessagingErrorRate"] != nil)
    }

    @Test func theSameNotificationAgainAddsNothing() throws {
        let payload = try Self.parse(Self.recorded)
        let first = Self.folding(AlertIntake.drafts(payload, state: IncidentState(entries: [Self.opened()]), now: Self.t0), into: IncidentState(entries: [Self.opened()]))
        #expect(first.lastSeq == 3)
        #expect(AlertIntake.drafts(payload, state: first, now: Self.t0 + 300_000).isEmpty)
        // Alertmanager lists the group's alerts again with each notification: only the new one is recorded.
        let more = try Self.parse(Self.notification([
            Self.alert(startsAt: "2023-11-05T04:45:00.123456789+01:00"),
            Self.alert(labels: #""alertname":"MessagingErrorRate","zone":"c""#, startsAt: "2023-11-05T03:50:00Z", fingerprint: "cccc"),
        ]))
        let drafts = AlertIntake.drafts(more, state: first, now: Self.t0 + 600_000)
        #expect(drafts.map(\.kind) == [.alert], "detected is marked already")
        #expect(drafts.first?.data["fingerprint"] == "cccc")
        #expect(drafts.first?.seq == 4)
    }

    @Test func anAlertListedTwiceInOneNotificationIsRecordedOnce() throws {
        let payload = try Self.parse(Self.notification([Self.alert(), Self.alert()]))
        let drafts = AlertIntake.drafts(payload, state: IncidentState(entries: [Self.opened()]), now: Self.t0)
        #expect(drafts.map(\.kind) == [.alert, .milestone])
    }

    @Test func aDetectedMarkedAlreadyIsNotMarkedAgain() throws {
        let marked = TranscriptEntry(seq: 2, at: Self.t0, wall: Self.t0, by: "alice", kind: .milestone, text: "detected",
                                     data: ["milestone": "detected", "time": "2023-11-05T03:44:00.000Z"])
        let state = IncidentState(entries: [Self.opened(), marked])
        let drafts = AlertIntake.drafts(try Self.parse(Self.recorded), state: state, now: Self.t0 + 60_000)
        #expect(drafts.map(\.kind) == [.alert])
        #expect(drafts.first?.seq == 3)
        #expect(Self.folding(drafts, into: state).milestone(.detected) == Instant.parseISO8601("2023-11-05T03:44:00Z"))
    }

    @Test func detectedIsNeverLaterThanTheNotificationArrived() throws {
        // Prometheus's clock ahead of intake's: the alert says it began after it arrived.
        let payload = try Self.parse(Self.notification([Self.alert(startsAt: "2023-11-05T04:00:00Z")]))
        let now = Self.t0 + 60_000
        let drafts = AlertIntake.drafts(payload, state: IncidentState(entries: [Self.opened()]), now: now)
        let detected = try #require(drafts.last)
        #expect(detected.kind == .milestone)
        #expect(detected.data["time"] == .string(now.iso8601))
    }

    @Test func entriesAreNeverRecordedBeforeTheIncidentsLatest() throws {
        // The incident's record is ahead of intake's clock (a drill, or a skewed host).
        let state = IncidentState(entries: [Self.opened(at: Self.t0 + 3_600_000)])
        let now = Self.t0
        let drafts = AlertIntake.drafts(try Self.parse(Self.notification([Self.alert(startsAt: "2023-11-05T03:40:00Z")])), state: state, now: now)
        #expect(drafts.allSatisfy { $0.at == Self.t0 + 3_600_000 && $0.wall == now })
        #expect(drafts.last?.data["time"] == "2023-11-05T03:40:00.000Z")
    }

    @Test func aResolvedAlertIsRecordedOnceAndMarksNothing() throws {
        let firing = try Self.parse(Self.notification([Self.alert()]))
        var state = IncidentState(entries: [Self.opened()])
        state = Self.folding(AlertIntake.drafts(firing, state: state, now: Self.t0), into: state)
        #expect(state.firingAlerts.count == 1)
        let resolved = try Self.parse(Self.notification([Self.alert(status: "resolved", endsAt: "2023-11-05T03:58:00.25Z")], status: "resolved"))
        let drafts = AlertIntake.drafts(resolved, state: state, now: Self.t0 + 900_000)
        try #require(drafts.count == 1)
        #expect(drafts[0].kind == .alert)
        #expect(drafts[0].data["state"] == "resolved")
        #expect(drafts[0].data["ended"] == "2023-11-05T03:58:00.250Z")
        #expect(drafts[0].data["key"] == "alertmanager:8a1d5c0e9b7f3a21:resolved:2023-11-05T03:40:00.500Z")
        #expect(drafts[0].text == "Alert MessagingErrorRate resolved at 03:58:00Z: \(Self.summary)")
        state = Self.folding(drafts, into: state)
        #expect(state.firingAlerts.isEmpty)
        #expect(AlertIntake.drafts(resolved, state: state, now: Self.t0 + 960_000).isEmpty, "sent again: nothing")
        // A resolution arriving first (the firing notification lost) is recorded, and marks no detection.
        let alone = AlertIntake.drafts(resolved, state: IncidentState(entries: [Self.opened()]), now: Self.t0)
        #expect(alone.map(\.kind) == [.alert])
    }

    // MARK: - Receiving into a folder

    /// Intake over a folder of transcripts, its clock stopped at `now`.
    static func intake(_ folder: TemporaryFolder, routes: AlertRoutes = AlertRoutes(), now: Instant = t0 + 600_000) -> AlertIntake {
        AlertIntake(routes: routes, destination: AlertFolder(folder: folder.path), playbookFolders: [], transcriptsFolder: folder.path, source: .fixed(now))
    }

    static func entries(_ path: String) throws -> [TranscriptEntry] {
        try TranscriptLog.read(path: path).entries
    }

    static func resolvedBody(endsAt: String = "2023-11-05T03:58:00Z") -> String {
        notification([alert(status: "resolved", startsAt: "2023-11-05T04:45:00.123456789+01:00", endsAt: endsAt)], status: "resolved",
                     commonLabels: #""alertname":"MessagingErrorRate","service":"messaging","severity":"critical""#,
                     commonAnnotations: #""summary":"Messaging 5xx above 5% for 2 minutes""#)
    }

    @Test func aFirstNotificationOpensAnIncidentAndARepeatAppendsNothing() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let intake = Self.intake(folder)
        let payload = try Self.parse(Self.recorded)

        let opened = try intake.receive(payload)
        #expect(opened.action == .opened)
        #expect(opened.detail.hasPrefix("SEV-1, no playbook"), "\(opened.detail)")
        let files = transcripts(in: folder.path)
        try #require(files.count == 1)
        #expect(files[0] == folder.file("\(opened.incident).jsonl"))
        var entries = try Self.entries(files[0])
        #expect(opened.entries == entries.count, "\(entries.map(\.kind))")
        let open = try #require(entries.first)
        #expect(open.kind == .open && open.by == AlertIntake.author)
        #expect(open.data["alert_group"]?["key"] == .string(Self.groupKey))
        #expect(open.data["alert_group"]?["receiver"] == #"web\.hook"#)
        #expect(open.data["alert_group"]?["alertmanager"] == "http://alertmanager:9093")
        #expect(open.data["title"] == .string(Self.summary))
        #expect(open.data["severity"] == "SEV-1")
        #expect(entries.filter { $0.kind == .alert }.count == 1)
        #expect(entries.last?.kind == .pause, "left for a responder to take")
        var state = IncidentState(entries: entries)
        #expect(state.milestone(.detected) == Instant.parseISO8601("2023-11-05T03:45:00.123Z"))
        #expect(state.status == .paused)
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: files[0])).isValid)
        #expect(!FileManager.default.fileExists(atPath: TranscriptWriter.notePath(for: files[0])), "the lock was let go")

        let bytes = try TranscriptLog.readBytes(path: files[0])
        let repeated = try intake.receive(payload)
        #expect(repeated.action == .repeated)
        #expect(repeated.incident == opened.incident && repeated.entries == 0)
        #expect(try TranscriptLog.readBytes(path: files[0]) == bytes, "nothing appended")

        // A restarted intake finds the group's incident from its `open` entry.
        #expect(try Self.intake(folder).receive(payload).action == .repeated)

        let resolved = try Self.parse(Self.resolvedBody())
        let recorded = try intake.receive(resolved)
        #expect(recorded.action == .recorded)
        #expect(recorded.incident == opened.incident && recorded.entries == 1)
        entries = try Self.entries(files[0])
        #expect(entries.count == opened.entries + 1)
        #expect(entries.last?.kind == .alert && entries.last?.data["state"] == "resolved")
        #expect(try intake.receive(resolved).action == .repeated)
        #expect(try Self.entries(files[0]).count == entries.count)
        state = IncidentState(entries: entries)
        #expect(state.firingAlerts.isEmpty)
        #expect(transcripts(in: folder.path).count == 1)
        #expect(TranscriptVerifier.verify(bytes: try TranscriptLog.readBytes(path: files[0])).isValid)
    }

    @Test func onlyResolvedAlertsForAGroupWithNoIncidentAreIgnored() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let outcome = try Self.intake(folder).receive(try Self.parse(Self.resolvedBody()))
        #expect(outcome.action == .ignored)
        #expect(outcome.entries == 0 && outcome.incident.isEmpty)
        #expect(transcripts(in: folder.path).isEmpty)
    }

    @Test func anIncidentHeldByAShellIsLockedUntilItLetsGo() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let intake = Self.intake(folder)
        _ = try intake.receive(try Self.parse(Self.recorded))
        let path = try #require(transcripts(in: folder.path).first)
        let before = try TranscriptLog.readBytes(path: path)
        let (writer, _) = try TranscriptWriter.open(path: path)
        #expect {
            _ = try intake.receive(try Self.parse(Self.resolvedBody()))
        } throws: { error in
            guard case .locked(let lockedPath, _) = error as? TranscriptError else { return false }
            return lockedPath == path
        }
        #expect(try TranscriptLog.readBytes(path: path) == before, "nothing appended")
        writer.close()
        // Alertmanager sends it again once the shell let go.
        let outcome = try intake.receive(try Self.parse(Self.resolvedBody()))
        #expect(outcome.action == .recorded && outcome.entries == 1)
    }

    @Test func aGroupFiringAfterItsIncidentClosedOpensASecondIncident() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let intake = Self.intake(folder)
        let first = try intake.receive(try Self.parse(Self.recorded))
        #expect(first.action == .opened)
        let path = folder.file("\(first.incident).jsonl")
        let (writer, log) = try TranscriptWriter.resume(path: path)
        let last = try #require(log.entries.last)
        try writer.append(TranscriptEntry(seq: 0, at: last.at + 60_000, wall: last.wall, by: "alice", kind: .close, text: "Closed",
                                          data: ["summary": "Messaging recovered."]))
        writer.close()
        #expect(IncidentState(entries: try Self.entries(path)).status == .closed)

        // Its resolution, coming late, is not news.
        let late = try intake.receive(try Self.parse(Self.resolvedBody()))
        #expect(late.action == .ignored)
        #expect(late.incident == first.incident)
        #expect(try Self.entries(path).last?.kind == .close, "nothing appended to the closed incident")

        let again = try Self.parse(Self.notification([Self.alert(startsAt: "2023-11-05T03:50:00Z")], commonAnnotations: #""summary":"Messaging 5xx above 5% for 2 minutes""#))
        let second = try intake.receive(again)
        #expect(second.action == .opened)
        #expect(second.incident != first.incident)
        let files = transcripts(in: folder.path)
        #expect(files.count == 2)
        #expect(try AlertFolder(folder: folder.path).incidents(group: Self.groupKey, fresh: false) == [first.incident, second.incident])
        let entries = try Self.entries(folder.file("\(second.incident).jsonl"))
        #expect(entries.first?.data["alert_group"]?["key"] == .string(Self.groupKey))
        #expect(IncidentState(entries: entries).milestone(.detected) == Instant.parseISO8601("2023-11-05T03:50:00Z"))
        // Later notifications go to the new incident.
        let resolved = try intake.receive(try Self.parse(Self.notification(
            [Self.alert(status: "resolved", startsAt: "2023-11-05T03:50:00Z", endsAt: "2023-11-05T03:54:00Z")], status: "resolved")))
        #expect(resolved.action == .recorded && resolved.incident == second.incident)
    }

    @Test func aRouteWhosePlaybookCannotBeLoadedStillOpensTheIncident() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let routes = try Self.routes("routes:\n  - match: {alertname: MessagingErrorRate}\n    playbook: no-such-playbook\n    severity: SEV-2\n")
        let outcome = try Self.intake(folder, routes: routes).receive(try Self.parse(Self.recorded))
        #expect(outcome.action == .opened)
        let entries = try Self.entries(folder.file("\(outcome.incident).jsonl"))
        #expect(entries.first?.data["severity"] == "SEV-2", "the route's severity")
        #expect(entries.first?.data["playbook"] == .null)
        #expect(entries.contains { $0.kind == .note && $0.text.contains("'no-such-playbook' cannot be used") }, "\(entries.map(\.text))")
        #expect(entries.contains { $0.kind == .alert })
        #expect(transcripts(in: folder.path).count == 1)
    }

    @Test func anAlertNoRouteMatchesOpensAFreeFormIncidentSayingSo() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let routes = try Self.routes("routes:\n  - match: {alertname: DiskFull}\n    playbook: disk\n")
        let outcome = try Self.intake(folder, routes: routes).receive(try Self.parse(Self.recorded))
        #expect(outcome.action == .opened)
        let entries = try Self.entries(folder.file("\(outcome.incident).jsonl"))
        #expect(entries.contains { $0.kind == .note && $0.text.hasPrefix("no route in routes.yaml matches {alertname=\"MessagingErrorRate\"") },
                "\(entries.map(\.text))")
    }
}
