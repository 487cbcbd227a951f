import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// One HTTP request and its answer over Foundation's `URLSession` (libcurl on Linux), waiting
/// at most `timeout` seconds: for Alertmanager's API and the notification receivers.
public enum HTTPExchange {
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// Why there is no answer: one line, never the URL's secret parts.
    public struct Failure: Error, CustomStringConvertible {
        public var reason: String
        public var timedOut: Bool
        public var description: String { reason }
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: configuration)
    }()

    /// - Throws: `Failure` (refused, no such host, TLS, timed out).
    public static func send(_ method: String, _ url: URL, headers: [String: String] = [:], body: [UInt8]? = nil, timeout: Double) throws -> Answer {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        if let body { request.httpBody = Data(body) }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let outcome = Mutex<(Data?, URLResponse?, (any Error)?)?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            outcome.withLock { $0 = (data, response, error) }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout) == .timedOut {
            task.cancel()
            throw Failure(reason: "no answer within \(timeout.formatted())s", timedOut: true)
        }
        guard let (data, response, error) = outcome.withLock({ $0 }) else { throw Failure(reason: "no answer", timedOut: false) }
        if let error {
            let code = (error as? URLError)?.code
            switch code {
            case .timedOut?: throw Failure(reason: "no answer within \(timeout.formatted())s", timedOut: true)
            case .cannotConnectToHost?: throw Failure(reason: "connection refused", timedOut: false)
            case .cannotFindHost?, .dnsLookupFailed?: throw Failure(reason: "no such host", timedOut: false)
            case .networkConnectionLost?: throw Failure(reason: "the connection was lost", timedOut: false)
            case .secureConnectionFailed?, .serverCertificateUntrusted?, .serverCertificateHasBadDate?, .serverCertificateNotYetValid?:
                throw Failure(reason: "TLS failed", timedOut: false)
            // Never the error's own words: they may quote the URL, and a webhook's URL is a secret.
            default: throw Failure(reason: "the request failed (\((error as? URLError).map { "URL error \($0.code.rawValue)" } ?? "no answer"))", timedOut: false)
            }
        }
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] {
            if let name = name as? String, let value = value as? String { fields[name] = value }
        }
        return Answer(status: http?.statusCode ?? 0, headers: fields, body: [UInt8](data ?? Data()))
    }
}

extension Double {
    fileprivate func formatted() -> String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
