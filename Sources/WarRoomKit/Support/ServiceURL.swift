import Foundation

/// The URL of an HTTP service named on the command line (Prometheus, Alertmanager): its
/// address without credentials, query or fragment (what messages and the record show), and
/// the basic authorization its `user:password@` part stands for (sent, never shown).
public struct ServiceURL: Sendable {
    public let url: URL
    public let authorization: String?

    /// - Returns: `nil` for text that is not an `http` or `https` URL with a host.
    public init?(_ text: String) {
        guard var components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else { return nil }
        if let user = components.user {
            let secret = "\(user.removingPercentEncoding ?? user):\(components.password?.removingPercentEncoding ?? "")"
            authorization = "Basic " + Data(secret.utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        while components.path.hasSuffix("/") { components.path.removeLast() }
        guard let url = components.url else { return nil }
        self.url = url
    }
}
