extension PostmortemModel {
    /// The JSON form of the postmortem: top-level keys `incident`, `summary`, `timeline`,
    /// `curated_timeline`, `detection`, `misleading_paths`, `resolution`, `measures`, `metrics`,
    /// `lessons`, `adherence`, `evidence`, `warnings`, `notifications`, in that order. Times are ISO-8601 UTC strings, durations are seconds, shares
    /// are fractions; a missing value is `null`, never left out. `Playbooks/schema/postmortem.schema.json`
    /// describes it.
    public var jsonValue: JSONValue { jsonOutline.value() }

    /// The JSON form written as it is made, a piece at a time: the same bytes as
    /// `jsonValue.prettyPrinted()`, without a tree of the whole document (a long incident's
    /// timeline is hundreds of thousands of items, its configuration changes and lessons tens of
    /// thousands) or the whole text held at once.
    func writeJSON(into emit: ([UInt8]) -> Void) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(TextPieces.pieceSize + 4096)
        jsonOutline.write(to: &bytes, depth: 0) { bytes in
            guard bytes.count >= TextPieces.pieceSize else { return }
            emit(bytes)
            bytes.removeAll(keepingCapacity: true)
        }
        bytes.append(0x0A)
        emit(bytes)
    }

    /// The JSON form's top-level members, in order: each value made when its turn comes, and the
    /// long lists an item at a time.
    private var jsonOutline: JSONOutline {
        .object([
            ("incident", .value { incidentJSON }),
            ("summary", .value { summaryJSON }),
            // Each item written straight, as `json(item)` prints at this depth.
            ("timeline", .items(count: timeline.count, item: { Self.json(timeline[$0]) }, write: { Self.writeJSON(timeline[$0], to: &$1) })),
            ("curated_timeline", .value { curatedJSON }),
            ("detection", .value { detectionJSON }),
            ("misleading_paths", .value { .array(misleadingPaths.map(Self.json)) }),
            ("resolution", .value { resolutionJSON }),
            ("measures", .value {
                [
                    "improvements": .array(measures.improvements.map { .string($0.text) }),
                    "tasks": .array(measures.tasks.map(Self.json)),
                ]
            }),
            ("metrics", .value { metricsJSON }),
            ("lessons", .object([
                ("went_well", .items(count: lessons.wentWell.count) { Self.json(lessons.wentWell[$0]) }),
                ("went_wrong", .items(count: lessons.wentWrong.count) { Self.json(lessons.wentWrong[$0]) }),
                ("lucky", .items(count: lessons.lucky.count) { Self.json(lessons.lucky[$0]) }),
            ])),
            ("adherence", .value { adherenceJSON }),
            ("evidence", .object([
                ("probes", .value { probesJSON }),
                ("config_changes", .items(count: resolution.configChanges.count) { Self.json(resolution.configChanges[$0]) }),
                ("around_mitigation", .value { aroundMitigationJSON }),
                ("chart", chartOutline),
            ])),
            ("warnings", .value { .array(warnings.map(JSONValue.string)) }),
            ("notifications", .value {
                .array(notifications.map { record in
                    [
                        "seq": .int(record.seq), "at": .string(record.at.iso8601), "by": .string(record.by), "channel": .string(record.channel),
                        "target": .string(record.target), "event": .string(record.event), "action": record.action.map(JSONValue.string) ?? .null,
                        "dedup_key": record.dedupKey.map(JSONValue.string) ?? .null, "attempts": .int(record.attempts),
                        "outcome": .string(record.outcome.rawValue), "last_result": record.lastResult.map(JSONValue.string) ?? .null,
                    ]
                })
            }),
        ])
    }

    var incidentJSON: JSONValue {
        let i = incident
        return [
            "id": .string(i.id),
            "title": .string(i.title),
            "severity": .string(i.severity),
            "status": .string(i.status),
            "date": .string(i.date),
            "opened_at": .string(i.openedAt.iso8601),
            "opened_by": .string(i.openedBy),
            "responders": .array(i.responders.map { ["name": .string($0.name), "roles": .array($0.roles.map(JSONValue.string))] }),
            "playbook": i.playbook.map { ["id": .string($0.id), "version": Self.int($0.version), "sha256": .optional($0.sha256)] } ?? .null,
            "scenario": i.scenario.map { ["id": .string($0.id), "seed": Self.int($0.seed)] } ?? .null,
            "transcript_file": .string(i.transcriptFile),
            "final_hash": .string(i.finalHash),
            "entry_count": .int(i.entryCount),
            "verified": i.verified.map(JSONValue.bool) ?? .null,
            "written_after_the_fact": .optional(i.writtenAt?.iso8601),
        ]
    }

    var summaryJSON: JSONValue {
        let s = summary
        return [
            "start": .string(s.start.iso8601),
            "end": .string(s.end.iso8601),
            "timezone": "UTC",
            "start_basis": .string(s.startBasis.rawValue),
            "end_basis": .string(s.endBasis.rawValue),
            "duration_s": Self.seconds(s.duration),
            "service": .optional(s.service),
            "impact": .optional(s.impact),
            "impact_notes": .array(s.impactNotes.map(JSONValue.string)),
            "users_affected": .optional(s.usersAffected),
            "users_affected_source": .optional(s.usersAffectedSource?.rawValue),
            "users_affected_window": s.impactWindow.map { window in
                [
                    "from": .string(window.from.iso8601), "from_basis": .string(window.fromBasis),
                    "through": .string(window.through.iso8601), "through_basis": .string(window.throughBasis),
                ]
            } ?? .null,
            "users_affected_stated": .optional(s.statedUsersAffected),
            "users_affected_note": .optional(s.usersAffectedNote),
            "requests_failed": s.measuredImpact.map { impact in
                [
                    "failed": .number(impact.failed.rounded()), "requests": .number(impact.requests.rounded()), "share": .number(impact.share),
                    "from": .string(impact.window.from.iso8601), "through": .string(impact.window.through.iso8601),
                    "source": .string(impact.source), "every_seconds": .int(impact.everySeconds),
                ]
            } ?? .null,
            "impact_to_mitigation_s": s.impactToMitigation.map(Self.seconds) ?? .null,
            "impact_to_resolution_s": s.impactToResolution.map(Self.seconds) ?? .null,
            "root_cause": .optional(s.rootCause),
            "trigger": .optional(s.trigger),
            "resolution": .optional(s.resolution),
            "closing_summary": .optional(s.closingSummary),
            "confirmed_hypotheses": .array(resolution.confirmed.map { hypothesis in
                [
                    "id": .string(hypothesis.id),
                    "hypothesis": .string(hypothesis.hypothesis),
                    "reason": .optional(hypothesis.reason),
                    "raised_at": .string(hypothesis.raisedAt.iso8601),
                    "confirmed_at": Self.time(hypothesis.confirmedAt),
                    "evidence": .array(hypothesis.evidence.map(Self.json)),
                ]
            }),
            "trigger_notes": .array(resolution.triggerNotes.map(JSONValue.string)),
            "mitigated_at": Self.time(resolution.mitigatedAt),
            "mitigation": .optional(resolution.mitigation),
            "resolved_at": Self.time(resolution.resolvedAt),
            "resolution_text": .optional(resolution.resolutionText),
            "mitigation_actions": .array(resolution.mitigationActions.map { .string($0.id) }),
        ]
    }

    var metricsJSON: JSONValue {
        var object = JSONObject()
        for measurement in metrics.measurements {
            object[measurement.name + "_s"] = measurement.value.map(Self.seconds) ?? .null
        }
        object["impact_start_assumed"] = .bool(metrics.impactStartAssumed)
        object["milestones"] = .object(JSONObject(metrics.milestones.map { JSONMember($0.name, Self.time($0.time)) }))
        object["missing"] = .array(metrics.missing.map(JSONValue.string))
        object["notes"] = .array(metrics.notes.map(JSONValue.string))
        object["problems"] = .array(metrics.problems.map { .string($0.description) })
        return .object(object)
    }

    var curatedJSON: JSONValue {
        [
            "events": .array(curated.events.map { event in
                [
                    "at": .string(event.at.iso8601),
                    "kind": .string(event.kind.rawValue),
                    "text": .string(event.text),
                    "by": .optional(event.by),
                    "seq": .int(event.seq),
                    "recorded_at": Self.time(event.recordedAt),
                    "highlighted": .bool(event.highlighted),
                ]
            }),
            "left_out": .int(curated.leftOut),
            "left_out_events": .array(curated.leftOutEvents.map { ["seq": .int($0.seq), "at": Self.time($0.at), "what": .string($0.what)] }),
            "omitted": .array(curated.omitted.map { ["seq": .int($0.seq), "reason": .string($0.reason)] }),
        ]
    }

    var detectionJSON: JSONValue {
        let d = detection
        return [
            "detected_at": Self.time(d.detectedAt),
            "detected_by": .optional(d.detectedBy),
            "how": .optional(d.how),
            "alert": d.alert.map { alert in
                [
                    "name": .string(alert.name),
                    "at": .string(alert.at.iso8601),
                    "metric": .optional(alert.metric),
                    "value": .optional(alert.value),
                    "threshold": .optional(alert.threshold),
                    "comparison": .optional(alert.comparison),
                    "for_s": Self.int(alert.forSeconds),
                    "since": Self.time(alert.since),
                    "seq": .int(alert.seq),
                ]
            } ?? .null,
            "impact_start": Self.time(d.impactStart),
            "time_to_detect_s": d.timeToDetect.map(Self.seconds) ?? .null,
            "sooner": .array(d.sooner.map(JSONValue.string)),
        ]
    }

    var resolutionJSON: JSONValue {
        let r = resolution
        return [
            "mitigated_at": Self.time(r.mitigatedAt),
            "mitigated_by": .optional(r.mitigatedBy),
            "resolved_at": Self.time(r.resolvedAt),
            "resolved_by": .optional(r.resolvedBy),
            "steps": .array(r.steps.map { step in
                [
                    "role": .string(step.role.rawValue),
                    "from": .string(step.from.iso8601),
                    "to": .string(step.to.iso8601),
                    "by": .array(step.by.map(JSONValue.string)),
                    "from_version": Self.int(step.fromVersion),
                    "version": Self.int(step.version),
                    "rollback_to": Self.int(step.rollbackTo),
                    "changes": .int(step.changeCount),
                    "summary": .string(step.summary),
                    "seqs": .array(step.seqs.map(JSONValue.int)),
                ]
            }),
            "relief": r.relief.map { relief in
                ["probe": .string(relief.probe), "metric": .string(relief.metric), "before": Self.json(relief.before), "after": Self.json(relief.after)]
            } ?? .null,
        ]
    }

    var adherenceJSON: JSONValue {
        [
            "done": .int(adherence.done),
            "skipped": .int(adherence.skipped),
            "incomplete": .int(adherence.incomplete),
            "overdue": .int(adherence.overdue),
            "steps": .array(adherence.steps.map { step in
                [
                    "step": .string(step.step),
                    "phase": .optional(step.phase),
                    "status": .string(step.status.rawValue),
                    "started_at": Self.time(step.startedAt),
                    "ended_at": Self.time(step.endedAt),
                    "by": .optional(step.by),
                    "reason": .optional(step.reason),
                    "overdue": .bool(step.overdue),
                    "check": step.check.map { check in
                        [
                            "probe": .string(check.probe),
                            "metric": .string(check.metric),
                            "value": .optional(check.value),
                            "threshold": .optional(check.threshold),
                            "comparison": .optional(check.comparison),
                            "passed": check.passed.map(JSONValue.bool) ?? .null,
                            "evidence": check.evidence.map(Self.json) ?? .null,
                        ]
                    } ?? .null,
                ]
            }),
        ]
    }

    var probesJSON: JSONValue {
        .array(evidence.probes.map { table in
            [
                "probe": .string(table.probe),
                "samples": .int(table.sampleCount),
                "metrics": .array(table.metrics.map(JSONValue.string)),
                "ranges": .object(JSONObject(table.ranges.map { JSONMember($0.name, ["min": .number($0.min), "max": .number($0.max)]) })),
                "rows": .array(table.rows.map { row in
                    [
                        "at": .string(row.at.iso8601),
                        "seq": .int(row.seq),
                        "values": .object(JSONObject(zip(table.metrics, row.values).compactMap { name, value in
                            value.map { JSONMember(name, .number($0)) }
                        })),
                    ]
                }),
            ]
        })
    }

    /// One configuration change of the Appendix (JSON `evidence.config_changes`).
    static func json(_ change: PostmortemModel.ConfigChange) -> JSONValue {
        [
            "at": .string(change.at.iso8601),
            "seq": .int(change.seq),
            "by": .string(change.by),
            "action": .optional(change.action),
            "backend": .optional(change.backend),
            "value": .optional(change.value),
            "from_version": Self.int(change.fromVersion),
            "version": Self.int(change.version),
            "text": .string(change.text),
            "changes": .array(change.changes.map(JSONValue.string)),
        ]
    }

    var aroundMitigationJSON: JSONValue {
        [
            "milestone": .optional(resolution.pivotMilestone),
            "at": Self.time(resolution.pivot),
            "comparisons": .array(resolution.comparisons.map { comparison in
                [
                    "probe": .string(comparison.probe),
                    "metric": .string(comparison.metric),
                    "before": Self.json(comparison.before),
                    "after": Self.json(comparison.after),
                    "latest": comparison.latest.map(Self.json) ?? .null,
                ]
            }),
        ]
    }

    /// The chart, its markers (one per configuration change: a long incident's are thousands)
    /// an item at a time.
    var chartOutline: JSONOutline {
        let chart = evidence.chart
        return .object([
            ("error_rate", .value { .array(chart.errorRate.map(Self.json)) }),
            ("request_rate", .value { .array(chart.requestRate.map(Self.json)) }),
            ("markers", .items(count: chart.markers.count) { index in
                let marker = chart.markers[index]
                return ["label": .string(marker.label), "at": .string(marker.at.iso8601), "kind": .string(marker.kind.rawValue)]
            }),
            ("impact_window", .value { chart.impactWindow.map { ["from": .string($0.from.iso8601), "through": .string($0.through.iso8601)] } ?? .null }),
            ("simulation", .value {
                chart.simulation.map { simulation in
                    [
                        "scenario": .string(simulation.scenario),
                        "every_seconds": .int(simulation.everySeconds),
                        "error_rate": .array(simulation.errorRate.map(Self.json)),
                        "request_rate": .array(simulation.requestRate.map(Self.json)),
                    ]
                } ?? .null
            }),
            ("simulation_note", .value { chart.simulationNote.map(JSONValue.string) ?? .null }),
            ("measured", .value {
                chart.measured.map { measured in
                    [
                        "source": .string(measured.source),
                        "seq": .int(measured.seq),
                        "every_seconds": .int(measured.everySeconds),
                        "error_rate": .array(measured.errorRate.map(Self.json)),
                        "request_rate": .array(measured.requestRate.map(Self.json)),
                        "queries": .object(JSONObject(measured.queries.map { JSONMember($0.figure, .string($0.query)) })),
                    ]
                } ?? .null
            }),
        ])
    }

    // MARK: - Pieces

    /// `json(item).writePretty(depth: 2, indent: 2)`, written without the value made: an item
    /// of the JSON form's timeline.
    static func writeJSON(_ item: TimelineItem, to bytes: inout [UInt8]) {
        func member(_ key: StaticString, first: Bool = false) {
            bytes.append(contentsOf: first ? "{\n      \"".utf8 : ",\n      \"".utf8)
            bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            bytes.append(contentsOf: "\": ".utf8)
        }
        member("at", first: true)
        JSONValue.writeSafeString(item.at.iso8601, to: &bytes)
        member("kind")
        JSONValue.writeSafeString(item.kind.rawValue, to: &bytes)
        member("text")
        JSONValue.writeSafeString(item.text, to: &bytes)
        member("by")
        JSONValue.writeSafeString(item.by, to: &bytes)
        member("seq")
        JSONValue.int(item.seq).write(to: &bytes)
        member("amended")
        bytes.append(contentsOf: (item.amended ? "true" : "false").utf8)
        member("recorded_at")
        time(item.recordedAt).write(to: &bytes)
        member("evidence")
        JSONValue.array(item.evidence.map(json)).writePretty(to: &bytes, depth: 3, indent: 2)
        bytes.append(contentsOf: "\n    }".utf8)
    }

    static func json(_ item: TimelineItem) -> JSONValue {
        [
            "at": .string(item.at.iso8601),
            "kind": .string(item.kind.rawValue),
            "text": .string(item.text),
            "by": .string(item.by),
            "seq": .int(item.seq),
            "amended": .bool(item.amended),
            "recorded_at": time(item.recordedAt),
            "evidence": .array(item.evidence.map(json)),
        ]
    }

    static func json(_ path: MisleadingPath) -> JSONValue {
        [
            "id": .string(path.id),
            "hypothesis": .string(path.hypothesis),
            "reason": .string(path.reason),
            "raised_at": .string(path.raisedAt.iso8601),
            "ruled_out_at": .string(path.ruledOutAt.iso8601),
            "raised_by": .string(path.raisedBy),
            "evidence": .array(path.evidence.map(json)),
        ]
    }

    static func json(_ task: Task) -> JSONValue {
        [
            "id": .string(task.id),
            "text": .string(task.text),
            "owner": .optional(task.owner),
            "type": .string(task.type),
            "due": .optional(task.due),
            "done": .bool(task.done),
        ]
    }

    static func json(_ lesson: Lesson) -> JSONValue {
        ["text": .string(lesson.text), "at": .string(lesson.at.iso8601), "by": .string(lesson.by), "seq": .int(lesson.seq)]
    }

    static func json(_ citation: Citation) -> JSONValue {
        [
            "seq": .int(citation.seq),
            "at": .string(citation.at.iso8601),
            "probe": .string(citation.probe),
            "metrics": .object(JSONObject(citation.values.map { JSONMember($0.name, .number($0.value)) })),
        ]
    }

    static func json(_ reading: Reading) -> JSONValue {
        ["at": .string(reading.at.iso8601), "seq": .int(reading.seq), "value": .number(reading.value)]
    }

    static func json(_ point: ChartPoint) -> JSONValue {
        ["at": .string(point.at.iso8601), "value": .number(point.value)]
    }

    static func time(_ instant: Instant?) -> JSONValue {
        instant.map { .string($0.iso8601) } ?? .null
    }

    static func int(_ value: Int?) -> JSONValue {
        value.map(JSONValue.int) ?? .null
    }

    /// Milliseconds as seconds.
    static func seconds(_ milliseconds: Int64) -> JSONValue {
        .number(Double(milliseconds) / 1000)
    }
}

/// A JSON document described for writing as it is made: a member's value is made only when its
/// turn comes, and a long list an item at a time, so that no tree of the whole is ever held.
/// Written, it is the bytes `value().writePretty(to:depth:indent: 2)` gives.
enum JSONOutline {
    case value(() -> JSONValue)
    case object([(String, JSONOutline)])
    /// A list of `count` items, each made by `item`; `write`, when given, writes item `i` as
    /// `item(i)` prints at this depth, without making it.
    case items(count: Int, item: (Int) -> JSONValue, write: ((Int, inout [UInt8]) -> Void)? = nil)

    /// The whole value, made.
    func value() -> JSONValue {
        switch self {
        case .value(let make): make()
        case .object(let members): .object(JSONObject(members.map { JSONMember($0.0, $0.1.value()) }))
        case .items(let count, let item, _): .array((0..<count).map(item))
        }
    }

    /// Writes it pretty-printed at `depth` (two spaces a level), calling `handOn` after each
    /// member and item so the bytes can be handed on.
    func write(to bytes: inout [UInt8], depth: Int, handOn: (inout [UInt8]) -> Void) {
        func newline(_ level: Int) {
            bytes.append(0x0A)
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * 2))
        }
        switch self {
        case .value(let make):
            make().writePretty(to: &bytes, depth: depth, indent: 2)
        case .object(let members):
            guard !members.isEmpty else { return bytes.append(contentsOf: "{}".utf8) }
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                JSONValue.writeSafeString(member.0, to: &bytes)
                bytes.append(contentsOf: ": ".utf8)
                member.1.write(to: &bytes, depth: depth + 1, handOn: handOn)
                handOn(&bytes)
            }
            newline(depth)
            bytes.append(UInt8(ascii: "}"))
        case .items(let count, let item, let write):
            guard count > 0 else { return bytes.append(contentsOf: "[]".utf8) }
            bytes.append(UInt8(ascii: "["))
            for index in 0..<count {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                if let write {
                    // The timeline's items are written as they print at the top level's depth.
                    assert(depth == 1, "an item written straight is written for depth 1")
                    write(index, &bytes)
                } else {
                    item(index).writePretty(to: &bytes, depth: depth + 1, indent: 2)
                }
                handOn(&bytes)
            }
            newline(depth)
            bytes.append(UInt8(ascii: "]"))
        }
    }
}
