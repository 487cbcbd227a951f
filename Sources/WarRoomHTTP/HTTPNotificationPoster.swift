import Foundation
import WarRoomKit

/// Posts notifications as JSON over `HTTPExchange`: PagerDuty's Events API v2, Slack's
/// incoming webhooks and generic webhooks all take `POST` with `Content-Type: application/json`.
public struct HTTPNotificationPoster: NotificationPosting {
    public init() {}

    public func post(url text: String, body: [UInt8], timeout: Double) -> PostAnswer {
        guard let url = URL(string: text) else { return PostAnswer(status: nil, said: "the receiver's URL cannot be used") }
        do {
            let answer = try HTTPExchange.send("POST", url, headers: ["Content-Type": "application/json", "User-Agent": "warroom/\(Session.programVersion)"],
                                               body: body, timeout: timeout)
            // Cut to 200 characters by the sender, once it has cleared the secrets from it.
            let said = SafeText.printable(String(decoding: answer.body.prefix(1000), as: UTF8.self))
            return PostAnswer(status: answer.status, said: said, retryAfter: answer.header("Retry-After").flatMap(Self.retryAfter))
        } catch let failure as HTTPExchange.Failure {
            return PostAnswer(status: nil, said: failure.reason)
        } catch {
            return PostAnswer(status: nil, said: "the request failed")
        }
    }

    /// `Retry-After` in seconds (a number of seconds; an HTTP date is read as a minute).
    static func retryAfter(_ text: String) -> Double? {
        if let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return seconds }
        return text.isEmpty ? nil : 60
    }
}
