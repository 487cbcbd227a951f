import Foundation
import WarRoomKit

/// Alertmanager's API v2, read for `warroom alerts` and `start --alertmanager URL --fingerprint F`.
public struct AlertmanagerAPI: Sendable {
    public let base: URL
    /// The URL without credentials, for messages.
    public let label: String
    private let authorization: String?

    /// - Throws: `StartError.invalid` for a URL that is not one (exit 64).
    public init(url text: String) throws {
        guard let service = ServiceURL(text) else {
            let shown = text.contains("@") ? "…@" + (text.split(separator: "@", omittingEmptySubsequences: false).last ?? "") : text
            throw StartError.invalid("'\(shown)' is not an Alertmanager URL: give http://HOST:PORT, the address its web UI is served at")
        }
        authorization = service.authorization
        let url = service.url
        base = url
        label = url.absoluteString
    }

    /// The alerts firing now and neither silenced nor inhibited, oldest first.
    /// - Throws: `AlertmanagerAPIError`, in one line.
    public func firingAlerts(timeout: Double = 5) throws -> [AlertmanagerPayload.Alert] {
        var components = URLComponents(url: base.appendingPathComponent("api/v2/alerts"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "active", value: "true"), URLQueryItem(name: "silenced", value: "false"),
                                 URLQueryItem(name: "inhibited", value: "false")]
        let answer: HTTPExchange.Answer
        do {
            var headers = ["Accept": "application/json"]
            if let authorization { headers["Authorization"] = authorization }
            answer = try HTTPExchange.send("GET", components.url!, headers: headers, timeout: timeout)
        } catch let failure as HTTPExchange.Failure {
            throw AlertmanagerAPIError(reason: "Alertmanager at \(label): \(failure.reason)")
        }
        guard answer.status == 200 else {
            throw AlertmanagerAPIError(reason: "Alertmanager at \(label) answered HTTP \(answer.status)" + (answer.status == 404 ? " (is this Alertmanager's own address? its API is at /api/v2)" : ""))
        }
        guard let items = (try? JSONValue.parse(answer.body))?.arrayValue else {
            throw AlertmanagerAPIError(reason: "Alertmanager at \(label) answered something that is not its API's list of alerts")
        }
        do {
            return try items.enumerated().map { try AlertmanagerPayload.alert($1, at: "alert \($0 + 1)") }
                .sorted { ($0.startsAt, $0.fingerprint) < ($1.startsAt, $1.fingerprint) }
        } catch let error as AlertPayloadError {
            throw AlertmanagerAPIError(reason: "Alertmanager at \(label): \(error.reason)")
        }
    }

    /// A notification for one alert, as intake would receive it, to open an incident from.
    public func payload(fingerprint: String, timeout: Double = 5) throws -> AlertmanagerPayload {
        let alerts = try firingAlerts(timeout: timeout)
        let prefixed = fingerprint.isEmpty ? [] : alerts.filter { $0.fingerprint.hasPrefix(fingerprint) }
        if alerts.first(where: { $0.fingerprint == fingerprint }) == nil, prefixed.count > 1 {
            throw AlertmanagerAPIError(reason: "'\(fingerprint)' begins \(prefixed.count) fingerprints at \(label) (\(prefixed.prefix(3).map(\.fingerprint).joined(separator: ", "))…); give more of it")
        }
        guard let alert = alerts.first(where: { $0.fingerprint == fingerprint }) ?? prefixed.first else {
            throw AlertmanagerAPIError(reason: "no firing alert has the fingerprint '\(fingerprint)' at \(label) (\(alerts.count) firing; 'warroom alerts --alertmanager \(label)' lists them)")
        }
        return AlertmanagerPayload(receiver: "", firing: true, groupKey: "fingerprint:\(alert.fingerprint)", groupLabels: ["alertname": alert.name],
                                   commonLabels: alert.labels, commonAnnotations: alert.annotations, externalURL: label, alerts: [alert])
    }
}

public struct AlertmanagerAPIError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
