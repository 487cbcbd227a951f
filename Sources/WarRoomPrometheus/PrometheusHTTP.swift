import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import WarRoomKit

/// Prometheus's HTTP API over Foundation's `URLSession` (libcurl on Linux): `POST
/// /api/v1/query` and `/api/v1/query_range`, form-encoded, one kept-alive connection.
///
/// Each call waits at most until its deadline, then cancels the request and throws
/// `MetricsError.timedOut`. Credentials in the URL (`https://user:pass@host`) are sent as
/// basic authorization and never shown: `label` is the URL without them.
public final class PrometheusHTTP: MetricsQuerying, @unchecked Sendable {
    public let label: String
    private let base: URL
    private let authorization: String?
    private let session: URLSession

    /// - Parameter url: `http://HOST:PORT` or `https://…`, with any path prefix Prometheus is served under.
    /// - Throws: `MetricsError.badResponse` never; `PrometheusURLError` for a URL that is not one.
    public init(url text: String) throws {
        guard let service = ServiceURL(text) else { throw PrometheusURLError(text: Self.withoutPassword(text)) }
        authorization = service.authorization
        base = service.url
        label = "prometheus:\(service.url.absoluteString)"
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 2
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    /// `http://user:***@host` for a message about a URL that could not be used.
    static func withoutPassword(_ text: String) -> String {
        guard let at = text.firstIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at else { return text }
        let userinfo = text[scheme.upperBound..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    public func realNow() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Instant(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    public func instant(_ query: String, at time: Instant, deadline: Instant) throws -> [MetricSample] {
        let body = try post("api/v1/query", ["query": query, "time": Self.seconds(time)], query: query, deadline: deadline)
        return try PrometheusResponse.samples(body, source: label, query: query)
    }

    public func range(_ query: String, from: Instant, to: Instant, step: Int, deadline: Instant) throws -> [MetricSeries] {
        let body = try post("api/v1/query_range", ["query": query, "start": Self.seconds(from), "end": Self.seconds(to), "step": "\(step)"],
                            query: query, deadline: deadline)
        return try PrometheusResponse.series(body, source: label, query: query)
    }

    /// `1700000000.123`.
    static func seconds(_ instant: Instant) -> String {
        let ms = instant.milliseconds
        let fraction = String(abs(ms % 1000))
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    /// Form-encodes `fields` as Prometheus reads them (`application/x-www-form-urlencoded`).
    static func form(_ fields: [String: String]) -> Data {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let pairs = fields.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }
        return Data(pairs.joined(separator: "&").utf8)
    }

    private func post(_ path: String, _ fields: [String: String], query: String, deadline: Instant) throws -> [UInt8] {
        let remaining = Double(deadline.milliseconds - realNow().milliseconds) / 1000
        guard remaining > 0.001 else { throw MetricsError.timedOut(source: label, seconds: 0) }
        var request = URLRequest(url: base.appendingPathComponent(path), cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: remaining)
        request.httpMethod = "POST"
        request.httpBody = Self.form(fields)
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }

        let outcome = Mutex<(Data?, URLResponse?, (any Error)?)?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            outcome.withLock { $0 = (data, response, error) }
            done.signal()
        }
        let started = realNow()
        task.resume()
        if done.wait(timeout: .now() + remaining) == .timedOut {
            task.cancel()
            throw MetricsError.timedOut(source: label, seconds: Double(deadline.milliseconds - started.milliseconds) / 1000)
        }
        guard let (data, response, error) = outcome.withLock({ $0 }) else {
            throw MetricsError.badResponse(source: label, reason: "no answer")
        }
        if let error {
            if let urlError = error as? URLError {
                switch urlError.code {
                case .timedOut: throw MetricsError.timedOut(source: label, seconds: remaining)
                case .cannotConnectToHost: throw MetricsError.unreachable(source: label, reason: "connection refused")
                case .cannotFindHost, .dnsLookupFailed: throw MetricsError.unreachable(source: label, reason: "no such host")
                case .networkConnectionLost: throw MetricsError.unreachable(source: label, reason: "the connection was lost")
                case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid:
                    throw MetricsError.unreachable(source: label, reason: "TLS failed: \(urlError.localizedDescription)")
                default: break
                }
            }
            throw MetricsError.unreachable(source: label, reason: error.localizedDescription)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let bytes = [UInt8](data ?? Data())
        // Prometheus answers its own errors (400 bad_data, 422 execution, 503 timeout) with a JSON body.
        if status != 200, bytes.first != UInt8(ascii: "{") {
            let hint = status == 401 || status == 403 ? " (credentials: put them in the URL, user:password@host, or in WARROOM_METRICS)"
                : status == 404 ? " (is the URL Prometheus's own? it should end at the server, e.g. http://host:9090)" : ""
            throw MetricsError.badResponse(source: label, reason: "HTTP \(status)\(hint)")
        }
        return bytes
    }
}

/// A `--metrics` URL that cannot be used.
public struct PrometheusURLError: Error, CustomStringConvertible {
    public var text: String
    public var description: String {
        "'\(text)' is not a Prometheus URL: give prometheus:http://HOST:PORT (or https://…), the address Prometheus's web UI is served at"
    }
}
