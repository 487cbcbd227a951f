import Testing
@testable import WarRoomKit

/// Prometheus's answers as its HTTP API writes them (recorded bodies), the metrics map, and the
/// probes over a backend that answers from a table (the end-to-end tests use a real Prometheus).
struct PrometheusProbesTests {
    // MARK: - Answers

    @Test func anInstantVectorKeepsEachSeriesLabelsAndValue() throws {
        let body = #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"server":"web1"},"value":[1764960000.5,"0.25"]},{"metric":{"server":"web2"},"value":[1764960000.5,"NaN"]}]}}"#
        let samples = try PrometheusResponse.samples(Array(body.utf8), source: "p", query: "q")
        #expect(samples.count == 2)
        #expect(samples[0] == MetricSample(labels: ["server": "web1"], value: 0.25))
        #expect(samples[1].value.isNaN)
        let scalar = try PrometheusResponse.samples(Array(#"{"status":"success","data":{"resultType":"scalar","result":[1.0,"+Inf"]}}"#.utf8), source: "p", query: "q")
        #expect(scalar == [MetricSample(value: .infinity)])
    }

    @Test func aMatrixKeepsItsPointsInOrder() throws {
        let body = #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1764960000,"1"],[1764960015,"2.5"]]}]}}"#
        let series = try PrometheusResponse.series(Array(body.utf8), source: "p", query: "q")
        #expect(series.first?.points == [MetricSeries.Point(at: Instant(seconds: 1_764_960_000), value: 1), MetricSeries.Point(at: Instant(seconds: 1_764_960_015), value: 2.5)])
    }

    @Test(arguments: [
        (#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#, "refused the query q: bad_data: parse error at char 5"),
        ("<html><body>502 Bad Gateway</body></html>", "not JSON (it begins \"<html><body>502 Bad Gateway</body></html>\")"),
        (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"many"]}]}}"#, "a sample value \"many\" that is not a number"),
        (#"{"data":{}}"#, "no \"status\" of success or error"),
        ("", "not JSON"),
    ])
    func anAnswerThatIsNotAResultSaysWhatItIs(body: String, message: String) {
        #expect(throws: (any Error).self) { try PrometheusResponse.samples(Array(body.utf8), source: "p", query: "q") }
        do {
            _ = try PrometheusResponse.samples(Array(body.utf8), source: "p", query: "q")
        } catch {
            #expect(String(describing: error).contains(message), "\(error)")
        }
    }

    // MARK: - The map

    @Test func theBuiltInHAProxyMapParsesWithEveryFigureItNames() throws {
        let map = MetricsMap.haproxy
        #expect(map.name == "haproxy" && map.labels == ["backend": ".+"] && map.serverLabel == "server")
        #expect(Set(map.queries.keys) == [.requestRate, .errorRate, .queued, .latencyAverage, .serverRequestRate, .serverErrorRate, .serverStatus,
                                          .serverWeight, .serverChecksFailed, .serverDowns, .serverLatencyAverage])
        let query = try #require(map.with(label: "backend", PromQLText.regexEscaped("app.v2")).promQL(.requestRate, windowSeconds: 300))
        #expect(query == #"sum(rate(haproxy_backend_http_requests_total{proxy=~"app\\.v2"}[300s]))"#)
    }

    @Test(arguments: [
        ("figures:\n  eror_rate: x\n", "m.yaml:2:3", "eror_rate"),
        ("labels: {service: api}\nfigures:\n  error_rate: sum(rate(x{job=\"$servce\"}[$window]))\n", "m.yaml:3:15", "$servce, which is neither $window nor a label"),
        ("name: x\n", "m.yaml:1:1", "figures"),
        ("figures:\n  error_rate: \"  \"\n", "m.yaml:2:15", "is empty"),
        ("", "m.yaml:1:1", "the file is empty"),
        ("figures: [1, 2]\n", "m.yaml:1:10", "must be a mapping"),
    ])
    func aMapWithAProblemSaysWhereAndWhat(text: String, position: String, message: String) {
        guard case .failure(let error) = MetricsMap.parse(bytes: Array(text.utf8), file: "m.yaml") else {
            Issue.record("\(text) parsed")
            return
        }
        let description = error.description
        #expect(description.contains(position) && description.contains(message), "\(description)")
    }

    @Test func labelsAreFilledInLongestNameFirst() throws {
        let map = try MetricsMap.parse(bytes: Array("labels: {job: a, job_name: b}\nfigures:\n  request_rate: x{j=\"$job_name\",k=\"$job\"}[$window]\n".utf8), file: "m").get()
        #expect(map.promQL(.requestRate, windowSeconds: 60) == #"x{j="b",k="a"}[60s]"#)
    }

    // MARK: - The probes

    /// Answers each query from a table of fragments; throws the given error for everything when set.
    final class TableBackend: MetricsQuerying {
        let label = "prometheus:http://table"
        var answers: [(fragment: String, samples: [MetricSample])]
        var failure: MetricsError?
        var asked: [(query: String, at: Instant)] = []

        init(_ answers: [(String, [MetricSample])], failure: MetricsError? = nil) {
            self.answers = answers.map { (fragment: $0.0, samples: $0.1) }
            self.failure = failure
        }

        func instant(_ query: String, at time: Instant, deadline: Instant) throws -> [MetricSample] {
            if let failure { throw failure }
            asked.append((query, time))
            return answers.first { query.contains($0.fragment) }?.samples ?? []
        }

        func range(_ query: String, from: Instant, to: Instant, step: Int, deadline: Instant) throws -> [MetricSeries] {
            if let failure { throw failure }
            let value = try instant(query, at: to, deadline: deadline).first?.value ?? 0
            // As Prometheus does: a point at `from`, then every step up to `to`.
            var points: [MetricSeries.Point] = []
            var at = from
            while at <= to {
                points.append(MetricSeries.Point(at: at, value: value))
                at = at + Int64(step) * 1000
            }
            return [MetricSeries(points: points)]
        }

        func realNow() -> Instant { Instant(milliseconds: 1_764_960_000_000) }
    }

    static let appMap = try! MetricsMap.parse(bytes: Array("""
        name: app
        figures:
          request_rate: REQ[$window]
          error_rate: ERR[$window]
          latency_p50_ms: P50[$window]
          latency_p99_ms: P99[$window]
        """.utf8), file: "app.yaml").get()

    @Test func probeErrorsReadsTheRatesOverTheWindowAtTheIncidentClocksTime() throws {
        let backend = TableBackend([("REQ", [MetricSample(value: 20)]), ("ERR", [MetricSample(value: 0.125)])])
        let probes = PrometheusProbes(backend: backend, map: Self.appMap)
        let now = Instant(milliseconds: 1_764_950_000_000)
        let result = try probes.probe(.errors, args: ["--window", "6h"], at: now)
        #expect(result.metrics["error_rate"] == .number(0.125))
        #expect(result.metrics["requests"] == .number(432_000))
        #expect(result.window == ProbeWindow(requestedSeconds: 21_600, from: now - 21_600_000, to: now))
        #expect(result.text.hasPrefix("Errors over the last 6h ("))
        #expect(result.unavailable == ["timeout_rate"])
        #expect(backend.asked.first?.query == "REQ[21600s]" && backend.asked.first?.at == now)
        #expect(result.data["queries"]?["error_rate"] == "ERR[21600s]")
        #expect(result.data["source"] == "prometheus:http://table")
    }

    @Test func latencyGivesPercentilesWhereTheMapHasThemAndAveragesOtherwise() throws {
        let backend = TableBackend([("P50", [MetricSample(value: 48)]), ("P99", [MetricSample(value: 730)])])
        let percentiles = try PrometheusProbes(backend: backend, map: Self.appMap).probe(.latency, args: [], at: Instant(milliseconds: 0))
        #expect(percentiles.metrics == ["p50_ms": .number(48), "p99_ms": .number(730)])
        #expect(percentiles.text.contains("p50 48"), "\(percentiles.text)")
        let averages = try PrometheusProbes(backend: TableBackend([("haproxy_backend_queue_time", [MetricSample(value: 12)])]), map: .haproxy)
            .probe(.latency, args: [], at: Instant(milliseconds: 0))
        #expect(averages.metrics == ["average_ms": .number(12)])
        #expect(averages.unavailable == ["p50_ms", "p99_ms"])
    }

    @Test func aBackendThatCannotAnswerGivesAResultSayingSoNotAFailure() throws {
        let backend = TableBackend([], failure: .timedOut(source: "prometheus:http://table", seconds: 2))
        let result = try PrometheusProbes(backend: backend, map: Self.appMap).probe(.errors, args: [], at: Instant(milliseconds: 0))
        #expect(result.unavailableReason == "prometheus:http://table did not answer within 2s; probe again, or give it longer with --metrics-timeout")
        #expect(result.text == "probe errors: not read: " + (result.unavailableReason ?? ""))
        #expect(result.data["available"] == false)
        let missing = try PrometheusProbes(backend: TableBackend([]), map: Self.appMap).probe(.network, args: [], at: Instant(milliseconds: 0))
        #expect(missing.unavailableReason == "the app metrics map (app.yaml) defines no network_rtt_ms or network_loss")
        #expect(throws: ConsoleError.self) { try PrometheusProbes(backend: TableBackend([]), map: Self.appMap).probe(.errors, args: ["--window", "32d"], at: Instant(milliseconds: 0)) }
        #expect(ConsoleError.badWindow("32d", longestSeconds: PrometheusProbes.longestWindowSeconds).description.contains("from 1s to 31d:"))
    }

    @Test func aTimeoutIsSaidAsTheProbesStatedOneNotWhatWasLeftOfIt() throws {
        // The last query of a probe is sent with what remains of the deadline (0.93 s of 1 s).
        let backend = TableBackend([], failure: .timedOut(source: "prometheus:http://table", seconds: 0.93))
        let probes = PrometheusProbes(backend: backend, map: Self.appMap, timeoutSeconds: 1)
        let result = try probes.probe(.errors, args: [], at: Instant(milliseconds: 0))
        #expect(result.unavailableReason?.hasPrefix("prometheus:http://table did not answer within 1s;") == true, "\(result.unavailableReason ?? "")")
        let (text, _) = probes.incidentRange(from: Instant(milliseconds: 0), to: Instant(milliseconds: 3_600_000))
        #expect(text.contains("did not answer within 1s;"), "\(text)")
    }

    @Test func theIncidentsRangeEndsAtItsLastInstantAndItsImpactIsSummedOverTheWindow() throws {
        let backend = TableBackend([("REQ", [MetricSample(value: 10)]), ("ERR", [MetricSample(value: 0.5)])])
        let to = Instant(milliseconds: 1_764_960_000_000)
        let (_, data) = PrometheusProbes(backend: backend, map: Self.appMap).incidentRange(from: to - 3_600_000, to: to)
        #expect(data["step_seconds"] == 15)
        let points = try #require(data["series"]?["request_rate"]?.arrayValue)
        #expect(points.count == 241)
        #expect(points.last?.arrayValue?.first?.doubleValue == to.seconds)

        // 10 req/s, half failing, every 60 s; a window of 90 s starting in the middle of a step.
        let start = Instant(milliseconds: 0)
        let series = PostmortemModel.MeasuredSeries(source: "p", seq: 9, everySeconds: 60,
                                                    errorRate: (1...5).map { PostmortemModel.ChartPoint(at: start + Int64($0) * 60_000, value: 0.5) },
                                                    requestRate: (1...5).map { PostmortemModel.ChartPoint(at: start + Int64($0) * 60_000, value: 10) }, queries: [])
        let window = PostmortemModel.ImpactWindow(from: start + 30_000, fromBasis: "detected", through: start + 120_000, throughBasis: "mitigated")
        let impact = try #require(PostmortemBuilder.measuredImpact(series, window: window))
        #expect(impact.requests == 900 && impact.failed == 450 && impact.share == 0.5)
    }
}
