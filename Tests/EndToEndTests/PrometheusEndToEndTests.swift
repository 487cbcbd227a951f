import Foundation
import Testing
import WarRoomKit
import WarRoomTestSupport

/// Probes read from a real Prometheus (Debian's 2.42), scraping HAProxy 2.6's built-in exporter,
/// or a small application's own metrics, every second, on loopback. Prometheus's own answer to
/// each query, asked by the test, is the reference.
@Suite(.serialized) struct PrometheusEndToEndTests {
    static let capacity = HAProxyFixture.Capacity(servers: 3, concurrency: 2, serviceMilliseconds: 100, queueTimeoutMilliseconds: 200)

    @Test func probeErrorsAgreesWithPrometheusOverAnyWindowIncludingBeforeTheShellOpened() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        try HAProxyFixture.run(capacity: Self.capacity, exporter: true) { haproxy in
            let exporter = try #require(haproxy.exporterPort)
            try PrometheusFixture.run(targets: ["127.0.0.1:\(exporter)"]) { prometheus in
                // Traffic before anyone opened the incident: light, nothing fails.
                let before = LoadGenerator.run(port: haproxy.frontendPort, concurrency: 2, total: 40)
                #expect(before.count(200) == 40)
                prometheus.waitForScrapes()
                let shell = try RunningShell(["start", "--target", "haproxy:\(haproxy.adminSocket)", "--metrics", prometheus.metricsArgument,
                                              "--title", "Messaging errors", "--transcripts", transcripts.path])
                // A weight change sends most of the traffic to one server, and the load overloads the pool.
                try shell.send("lb weight web1 100")
                try shell.send("lb weight web2 1")
                try shell.send("lb weight web3 1")
                try #require(shell.waitForOutput("web3", times: 1), "\(shell.stderr.text)")
                let load = LoadGenerator.run(port: haproxy.frontendPort, concurrency: 30, total: 300)
                #expect(load.count(503) > 30, "the load should overload the pool: \(load.statuses)")
                // HAProxy's own counters: every request so far went through the frontend `web`.
                let truth = Double(try haproxy.proxyStat("hrsp_5xx", proxy: "web", kind: "FRONTEND")) / Double(try haproxy.proxyStat("req_tot", proxy: "web", kind: "FRONTEND"))
                prometheus.waitForScrapes(3)
                for line in ["probe errors --window 5m --show-query", "probe errors --window 1h", "probe health", "probe distribution",
                             "probe latency", "probe traffic", "probe db", "probe backend web1"] {
                    try shell.send(line)
                }
                try #require(shell.waitForOutput("Backend web1 at", times: 1), "\(shell.stderr.text)")
                try shell.send("quit")
                let result = shell.finish()
                #expect(result.status == 0, "\(result.stderr)")

                let entries = try TranscriptLog.read(path: try #require(transcripts.files.first)).entries
                #expect(entries.first?.data["metrics"] == .string(prometheus.metricsArgument))
                let probes = entries.filter { $0.kind == .probe }
                let fiveMinutes = try #require(probes.first { $0.data["args"] == ["--window", "5m", "--show-query"] })
                let rate = try #require(fiveMinutes.data["metrics"]?["error_rate"]?.doubleValue)
                let to = try #require(fiveMinutes.data["window"]?["to"]?.stringValue.flatMap(Instant.parseISO8601))
                // Prometheus's own answer, to a query the test writes itself, at the probe's instant.
                let reference = try #require(try prometheus.value(
                    #"sum(rate(haproxy_backend_http_responses_total{proxy="app",code="5xx"}[5m])) / sum(rate(haproxy_backend_http_requests_total{proxy="app"}[5m]))"#, at: to))
                #expect(abs(rate - reference) <= 0.005, "probe errors read \(rate), Prometheus \(reference)")
                #expect(rate > 0.05, "\(fiveMinutes.text)")
                // And HAProxy's own counters over all of it (queue timeouts are 503s of the backend).
                #expect(abs(rate - truth) <= 0.02, "probe errors read \(rate), HAProxy's frontend \(truth)")
                // The queries are on the record, with the source and the map; narrowed to HAProxy's backend.
                #expect(fiveMinutes.data["source"] == .string(prometheus.metricsArgument))
                #expect(fiveMinutes.data["queries"]?["error_rate"]?.stringValue?.contains(#"proxy=~"app""#) == true, "\(fiveMinutes.data)")
                #expect(result.stdout.contains("queries (evaluated at"))

                // The hour reaches back before the shell opened: the 40 requests sent then are in it.
                let hour = try #require(probes.first { $0.data["args"] == ["--window", "1h"] })
                let requests = try #require(hour.data["metrics"]?["requests"]?.doubleValue)
                #expect(requests >= Double(load.total + before.total) * 0.9, "\(hour.text)")
                #expect(requests > Double(load.total), "the window should cover the traffic from before the shell opened: \(hour.text)")

                // Health and distribution from the exporter; percentiles said to be unknown; db not in the map.
                let health = try #require(probes.first { $0.data["probe"] == "health" })
                #expect(health.data["metrics"]?["backends_up"] == .number(3), "\(health.text)")
                // Saturated, HAProxy's queue hands each request to whichever server frees first, whatever the weights.
                let distribution = try #require(probes.first { $0.data["probe"] == "distribution" })
                #expect(distribution.data["metrics"]?["skew"]?.doubleValue != nil, "\(distribution.text)")
                #expect(distribution.text.contains("web2          1"), "\(distribution.text)")
                let latency = try #require(probes.first { $0.data["probe"] == "latency" })
                #expect(latency.text.contains("averages, not percentiles"))
                #expect(latency.data["unavailable"] == ["p50_ms", "p99_ms"])
                let db = try #require(probes.first { $0.data["probe"] == "db" })
                #expect(db.data["available"] == false && db.text.contains("defines no db_latency_ms"), "\(db.text)")
                // probe backend still reads HAProxy itself.
                #expect(result.stdout.contains("Backend web1 at"))
            }
        }
    }

    @Test func aPrometheusThatHangsCostsTheProbeItsTimeoutAndNothingElse() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        let app = try AppExporter()
        defer { app.stop() }
        let map = try Self.appMap(in: transcripts)
        try PrometheusFixture.run(targets: ["127.0.0.1:\(app.port)"]) { prometheus in
            prometheus.waitForScrapes()
            let shell = try RunningShell(["start", "--free-form", "--title", "Checkout errors", "--metrics", prometheus.metricsArgument,
                                          "--metrics-map", map, "--metrics-timeout", "1s", "--transcripts", transcripts.path])
            try shell.send("probe errors")
            try #require(shell.waitForOutput("Errors over", times: 1), "\(shell.stderr.text)")
            prometheus.pause()
            try shell.send("probe errors")
            try shell.send("note still here")
            try #require(shell.waitForOutput("noted (#", times: 1), "\(shell.stderr.text)")
            prometheus.resume()
            try shell.send("probe errors")
            try #require(shell.waitForOutput("Errors over", times: 2), "\(shell.stderr.text)")
            try shell.send("quit")
            let result = shell.finish()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("did not answer within 1s"), "\(result.stdout)")

            let entries = try TranscriptLog.read(path: try #require(transcripts.files.first)).entries
            let probes = entries.filter { $0.kind == .probe }
            try #require(probes.count == 3)
            #expect(probes[1].data["available"] == false)
            #expect(probes[1].data["reason"]?.stringValue?.contains("did not answer within 1s") == true)
            // The probe waited its timeout, not more; the note after it waited for nothing.
            let waited = probes[1].wall - probes[0].wall
            #expect(waited >= 900 && waited < 2500, "the hung probe took \(waited) ms")
            let note = try #require(entries.first { $0.kind == .note })
            #expect(note.wall - probes[1].wall < 500, "the note waited \(note.wall - probes[1].wall) ms")
            #expect(probes[2].data["available"] == nil && probes[2].data["metrics"]?["error_rate"] != nil)

            // resume reads the Prometheus and the map the incident was opened with.
            let path = try #require(transcripts.files.first { $0.hasSuffix(".jsonl") })
            let resumed = try WarRoomBinary.run(["resume", path], input: "probe latency --window 30s\nquit\n")
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let latency = try #require(try TranscriptLog.read(path: path).entries.last { $0.data["probe"] == "latency" })
            #expect(latency.data["source"] == .string(prometheus.metricsArgument) && latency.data["map"] == .string(map), "\(latency.data)")
            #expect(latency.data["metrics"]?["p50_ms"] != nil, "\(latency.text)")
        }
    }

    @Test func aMapForAnApplicationsOwnMetricsDrivesErrorsAndLatencyAndThePostmortemsChart() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        let app = try AppExporter(requestsPerSecond: 100, errorShare: 0.1)
        defer { app.stop() }
        let map = try Self.appMap(in: transcripts)
        try PrometheusFixture.run(targets: ["127.0.0.1:\(app.port)"]) { prometheus in
            // The close reads the range every 15 s, each point a rate over the 15 s before it:
            // Prometheus should hold that much of the app's history (rate() over a window longer
            // than a series' history reads low, as it would in production).
            prometheus.waitForScrapes(16)
            let shell = try RunningShell(["start", "--free-form", "--title", "Checkout errors", "--metrics", prometheus.metricsArgument,
                                          "--metrics-map", map, "--transcripts", transcripts.path])
            for line in ["probe errors --window 30s", "probe latency --window 30s", "probe traffic", "probe health", "note checkout errors at 10%"] {
                try shell.send(line)
            }
            try #require(shell.waitForOutput("noted (#", times: 1), "\(shell.stderr.text)")
            // The incident lasts a few seconds of the app's traffic, which the close's range sums.
            sleep(4)
            try shell.send("close errors were the app's own")
            let run = shell.finish()
            #expect(run.status == 0, "\(run.stderr)")
            let path = try #require(transcripts.files.first { $0.hasSuffix(".jsonl") })
            let entries = try TranscriptLog.read(path: path).entries
            let errors = try #require(entries.first { $0.data["probe"] == "errors" })
            #expect(abs((errors.data["metrics"]?["error_rate"]?.doubleValue ?? 0) - 0.1) < 0.005, "\(errors.text)")
            let latency = try #require(entries.first { $0.data["probe"] == "latency" })
            // histogram_quantile over the buckets: half within 50 ms, 99% within 500 ms.
            #expect(abs((latency.data["metrics"]?["p50_ms"]?.doubleValue ?? 0) - 50) < 1, "\(latency.text)")
            #expect(abs((latency.data["metrics"]?["p99_ms"]?.doubleValue ?? 0) - 500) < 5, "\(latency.text)")
            #expect(latency.text.contains("percentiles from the histogram's buckets"))
            let health = try #require(entries.first { $0.data["probe"] == "health" })
            #expect(health.data["available"] == false && health.text.contains("defines no server_status"), "\(health.text)")

            // close kept Prometheus's range over the incident; the postmortem draws it and sums it.
            let range = try #require(entries.first { $0.data["probe"] == "range" })
            #expect(range.data["available"] == nil, "\(range.text)")
            let json = try WarRoomBinary.run(["postmortem", path, "--format", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            let model = try JSONValue.parse(json.stdout)
            let failed = try #require(model["summary"]?["requests_failed"])
            #expect(abs((failed["share"]?.doubleValue ?? 0) - 0.1) < 0.005, "\(failed)")
            let measured = try #require(model["evidence"]?["chart"]?["measured"])
            #expect((measured["error_rate"]?.arrayValue?.count ?? 0) >= 1, "\(measured)")
            // Prometheus's own count of the requests over the same window agrees with the summed range.
            let from = try #require(failed["from"]?.stringValue.flatMap(Instant.parseISO8601))
            let through = try #require(failed["through"]?.stringValue.flatMap(Instant.parseISO8601))
            let seconds = Double(through - from) / 1000
            let requests = try #require(failed["requests"]?.doubleValue)
            #expect(abs(requests - 100 * seconds) <= max(5, 0.1 * 100 * seconds), "\(requests) requests over \(seconds) s at 100 req/s")
            let html = try WarRoomBinary.run(["postmortem", path, "--format", "html"])
            #expect(html.stdout.contains("Measured: the lines are \(prometheus.metricsArgument)"), "\(html.stdout.prefix(2000))")
            #expect(html.stdout.contains(#"<polyline class="error""#))
            let markdown = try WarRoomBinary.run(["postmortem", path])
            #expect(markdown.stdout.contains("requests failed (10.0%)"), "\(markdown.stdout)")
            let appendix = markdown.stdout.components(separatedBy: "range over the incident").last ?? ""
            #expect(appendix.contains("sum(rate(http") && appendix.contains("histogram") == false, "the two queries of the range are in the Appendix: \(appendix.prefix(800))")
        }
    }

    @Test func aBadMapOrURLIsRefusedBeforeTheIncidentOpens() throws {
        let transcripts = try TemporaryFolder()
        defer { transcripts.cleanUp() }
        let map = transcripts.file("bad.yaml")
        try "name: app\nfigures:\n  error_rate: sum(rate(x[$windw]))\n  eror_rate: x\n".write(toFile: map, atomically: true, encoding: .utf8)
        let bad = try WarRoomBinary.run(["start", "--free-form", "--metrics", "prometheus:http://127.0.0.1:9", "--metrics-map", map, "--transcripts", transcripts.path])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("bad.yaml:3:"), "\(bad.stderr)")
        #expect(bad.stderr.contains("$windw"))
        #expect(bad.stderr.contains("eror_rate"))
        let url = try WarRoomBinary.run(["start", "--free-form", "--metrics", "prometheus:ftp://x", "--transcripts", transcripts.path])
        #expect(url.status == 64 && url.stderr.contains("is not a Prometheus URL"), "\(url.stderr)")
        let unreachable = try WarRoomBinary.run(["start", "--free-form", "--metrics", "prometheus:http://127.0.0.1:9", "--transcripts", transcripts.path],
                                                input: "probe errors\nquit\n")
        #expect(unreachable.status == 0, "\(unreachable.stderr)")
        #expect(unreachable.stdout.contains("cannot be reached (connection refused)"), "\(unreachable.stdout)")
        #expect(transcripts.files.filter { $0.hasSuffix(".jsonl") }.count == 1, "only the last start opened an incident")
    }

    /// A metrics map for `AppExporter`'s metrics.
    static func appMap(in folder: TemporaryFolder) throws -> String {
        let path = folder.file("app-metrics.yaml")
        try """
            name: checkout
            figures:
              request_rate: sum(rate(http_requests_total[$window]))
              error_rate: sum(rate(http_requests_total{code=~"5.."}[$window])) / sum(rate(http_requests_total[$window]))
              latency_p50_ms: 1000 * histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[$window])))
              latency_p99_ms: 1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[$window])))

            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
