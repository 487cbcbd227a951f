import Foundation
import WarRoomKit
import WarRoomPrometheus

#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus (Debian's 2.42) on loopback for one test, scraping the given targets
/// every second into a temporary folder. `pause()` and `resume()` stop and continue the
/// process (SIGSTOP/SIGCONT): a Prometheus that hangs; `stop()` ends it.
///
/// Use `PrometheusFixture.run(targets:) { prometheus in … }`.
public final class PrometheusFixture {
    public let folder: TemporaryFolder
    public let port: Int
    public let process: ChildProcess
    /// `prometheus:http://127.0.0.1:PORT`, as `--metrics` takes it.
    public var metricsArgument: String { "prometheus:http://127.0.0.1:\(port)" }
    /// A client of the test's own, to ask Prometheus for its answer to a query.
    public let client: PrometheusHTTP
    private var stopped = false

    public enum Failure: Error, CustomStringConvertible {
        case notInstalled
        case notReady(String)

        public var description: String {
            switch self {
            case .notInstalled: return "prometheus is not installed: these tests need a real Prometheus; install it with `apt-get install prometheus` (scripts/setup test does)"
            case .notReady(let log): return "Prometheus did not become ready and scrape its targets within 30 s: \(log)"
            }
        }
    }

    public static func run<T>(targets: [String], _ body: (PrometheusFixture) throws -> T) throws -> T {
        let fixture = try PrometheusFixture(targets: targets)
        defer { fixture.stop() }
        return try body(fixture)
    }

    /// Starts Prometheus and waits (bounded) until every target has been scraped once.
    public init(targets: [String]) throws {
        let candidates: [String] = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"]
        guard let path = candidates.first(where: { access($0, X_OK) == 0 }) else { throw Failure.notInstalled }
        folder = try TemporaryFolder()
        port = try HAProxyFixture.freePorts(1)[0]
        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: test
                static_configs:
                  - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]

            """
        try config.write(toFile: folder.file("prometheus.yml"), atomically: true, encoding: .utf8)
        process = try ChildProcess(path, ["--config.file=\(folder.file("prometheus.yml"))", "--storage.tsdb.path=\(folder.file("data"))",
                                          "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"],
                                   environment: ProcessInfo.processInfo.environment)
        process.closeInput()
        client = try PrometheusHTTP(url: "http://127.0.0.1:\(port)")
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let up = try? value("min(up)"), up == 1, let count = try? value("count(up)"), Int(count) == targets.count { return }
            usleep(200_000)
        }
        stop()
        throw Failure.notReady(process.stderr.text.suffix(400).description)
    }

    deinit { stop() }

    /// Prometheus's own answer to `query` at `time` (now by default): the sum over its series, `nil` when it has none.
    public func value(_ query: String, at time: Instant? = nil) throws -> Double? {
        let now = client.realNow()
        let samples = try client.instant(query, at: time ?? now, deadline: now + 5000)
        let finite = samples.map(\.value).filter(\.isFinite)
        return finite.isEmpty ? nil : finite.reduce(0, +)
    }

    /// Waits until Prometheus has scraped at least twice more (two seconds of new samples).
    public func waitForScrapes(_ count: Int = 2) {
        usleep(UInt32(count) * 1_100_000)
    }

    public func pause() { kill(process.pid, SIGSTOP) }
    public func resume() { kill(process.pid, SIGCONT) }

    public func stop() {
        guard !stopped else { return }
        stopped = true
        kill(process.pid, SIGCONT)
        kill(process.pid, SIGTERM)
        if process.wait(seconds: 10).timedOut { kill(process.pid, SIGKILL); _ = process.wait(seconds: 5) }
        folder.cleanUp()
    }
}

/// An application's own metrics on loopback, the shape of a service instrumented with a
/// Prometheus client: `http_requests_total{code}` and a latency histogram
/// `http_request_duration_seconds`, growing at fixed rates from the moment it starts
/// (`requestsPerSecond`, of which `errorShare` answer 500; a quarter of requests within 25 ms,
/// half within 50 ms, 90% within 100 ms, 99% within 500 ms, all within 1 s).
public final class AppExporter: @unchecked Sendable {
    public let port: Int
    public let requestsPerSecond: Double
    public let errorShare: Double
    private let started = Date()
    private let listener: Int32
    private let lock = NSLock()
    private var stopped = false

    public init(requestsPerSecond: Double = 100, errorShare: Double = 0.1) throws {
        self.requestsPerSecond = requestsPerSecond
        self.errorShare = errorShare
        (listener, port) = try HAProxyFixture.listenOnLoopback(backlog: 64, what: "app exporter")
        Thread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { if errno == EINTR { continue }; return }
                answer(connection)
            }
        }.start()
    }

    deinit { stop() }

    public func stop() {
        let first: Bool = lock.withLock { defer { stopped = true }; return !stopped }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// The exposition at this moment.
    public func exposition() -> String {
        let total = Date().timeIntervalSince(started) * requestsPerSecond
        let errors = total * errorShare
        var text = "# TYPE http_requests_total counter\n"
        text += "http_requests_total{code=\"200\"} \(total - errors)\nhttp_requests_total{code=\"500\"} \(errors)\n"
        text += "# TYPE http_request_duration_seconds histogram\n"
        for (bound, share) in [("0.025", 0.25), ("0.05", 0.5), ("0.1", 0.9), ("0.5", 0.99), ("1", 1.0), ("+Inf", 1.0)] {
            text += "http_request_duration_seconds_bucket{le=\"\(bound)\"} \(total * share)\n"
        }
        text += "http_request_duration_seconds_sum \(total * 0.06)\nhttp_request_duration_seconds_count \(total)\n"
        return text
    }

    private func answer(_ fd: Int32) {
        defer { close(fd) }
        HAProxyFixture.setReceiveTimeout(fd, seconds: 5)
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !request.containsHeaderEnd {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            guard count > 0 else { return }
            request += chunk[0..<count]
        }
        let body = Array(exposition().utf8)
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        try? HAProxyFixture.writeAll(fd, Array(head.utf8) + body)
    }
}
