import Testing
import WarRoomKit
import WarRoomTestSupport

@Suite struct SimulationReportTests {
    static func scenario() throws -> Scenario {
        try ScenarioLoader.load(path: repositoryRoot + "/Playbooks/scenarios/lb-misconfig-2023-11-05.yaml")
    }

    @Test func jsonLinesHaveTheSpecKeys() throws {
        let text = SimulationReport.render(scenario: try Self.scenario(), duration: 15 * 60_000, every: 5 * 60_000, format: .json)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3)
        let last = try JSONValue.parse(Array(lines[2].utf8))
        let object = try #require(last.objectValue)
        #expect(object.keys == SimulationReport.columns + ["window_s", "backends"])
        #expect(object["at"]?.stringValue == "2023-11-05T03:45:00.000Z")
        #expect((object["error_rate"]?.doubleValue ?? 0) > 0.02)
        #expect(object["config_version"]?.intValue == 2)
        let backend = try #require(object["backends"]?.arrayValue?.first?.objectValue)
        #expect(backend.keys == ["name", "status", "weight", "share", "utilization", "p99_ms", "error_rate"])
        #expect(object["backends"]?.arrayValue?.count == 30)
    }

    @Test func csvHasTheSameColumnsAndTableIsForPeople() throws {
        let csv = SimulationReport.render(scenario: try Self.scenario(), duration: 2 * 60_000, every: 60_000, format: .csv).split(separator: "\n")
        #expect(csv.first == "at,request_rate,error_rate,timeout_rate,p99_ms,backends_up,backends_down,users_affected,config_version")
        #expect(csv.count == 3 && csv[1].hasPrefix("2023-11-05T03:31:00Z,900"))
        let table = SimulationReport.render(scenario: try Self.scenario(), duration: 60_000, every: 60_000, format: .table)
        #expect(table.contains("TIME") && table.contains("03:31:00Z") && table.contains("9,00"))
    }

    @Test func streamingWritesOneLinePerSample() throws {
        var lines: [String] = []
        SimulationReport.run(scenario: try Self.scenario(), duration: 10 * 60_000, every: 30_000, format: .csv) { lines.append($0) }
        #expect(lines.count == 21)
    }
}
