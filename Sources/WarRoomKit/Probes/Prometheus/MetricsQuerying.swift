/// One series of an instant query's answer: its labels and its value at the query's time.
public struct MetricSample: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double

    public init(labels: [String: String] = [:], value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// One series of a range query's answer: its labels and its values, oldest first.
public struct MetricSeries: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var at: Instant
        public var value: Double

        public init(at: Instant, value: Double) {
            self.at = at
            self.value = value
        }
    }

    public var labels: [String: String]
    public var points: [Point]

    public init(labels: [String: String] = [:], points: [Point]) {
        self.labels = labels
        self.points = points
    }
}

/// Why a metrics backend gave no figure; each says what failed and what to do.
public enum MetricsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing answered (refused, no route, a name that does not resolve).
    case unreachable(source: String, reason: String)
    /// No answer within the time allowed.
    case timedOut(source: String, seconds: Double)
    /// An answer that is not the API's (an HTML page, a proxy's error, a torn body).
    case badResponse(source: String, reason: String)
    /// The backend refused the query (`bad_data`, `execution` …), with its own words.
    case queryFailed(source: String, query: String, reason: String)

    public var description: String {
        switch self {
        case .unreachable(let source, let reason):
            return "\(source) cannot be reached (\(reason)); check the URL and that Prometheus is running, then probe again"
        case .timedOut(let source, let seconds):
            return "\(source) did not answer within \(ProbeWindow.seconds(seconds)); probe again, or give it longer with --metrics-timeout"
        case .badResponse(let source, let reason):
            return "\(source) answered with something that is not Prometheus's API: \(reason)"
        case .queryFailed(let source, let query, let reason):
            return "\(source) refused the query \(query): \(reason); correct it in the metrics map"
        }
    }
}

/// A metrics backend that answers PromQL: Prometheus's HTTP API (`/api/v1/query`,
/// `/api/v1/query_range`), or a recorded answer in tests of the probes.
///
/// Calls are synchronous and bounded: each takes a deadline and throws
/// `MetricsError.timedOut` rather than wait past it, so a probe never holds the prompt longer
/// than its stated timeout.
public protocol MetricsQuerying: AnyObject {
    /// How the backend is named in messages and on the record (`prometheus:http://127.0.0.1:9090`), never with a password.
    var label: String { get }
    /// The value of `query` at `time`: one sample per series.
    func instant(_ query: String, at time: Instant, deadline: Instant) throws -> [MetricSample]
    /// The values of `query` from `from` to `to` every `step` seconds.
    func range(_ query: String, from: Instant, to: Instant, step: Int, deadline: Instant) throws -> [MetricSeries]
    /// The real time now (deadlines are in real time, whatever the incident clock says).
    func realNow() -> Instant
}
