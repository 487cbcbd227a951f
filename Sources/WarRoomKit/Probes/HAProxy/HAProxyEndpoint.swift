/// Where HAProxy's runtime API listens: a `stats socket` on a Unix path, or on a TCP address.
public enum HAProxyEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// A Unix domain socket, e.g. `/run/haproxy/admin.sock`.
    case unix(path: String)
    /// A TCP address, e.g. `127.0.0.1:9999` (IPv6 hosts without brackets: `::1`).
    case tcp(host: String, port: Int)

    /// The address as people write it: the path, `HOST:PORT`, or `[V6]:PORT`.
    public var description: String {
        switch self {
        case .unix(let path):
            return path
        case .tcp(let host, let port):
            return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
