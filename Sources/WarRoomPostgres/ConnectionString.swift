internal import CLibPQ
import Foundation

/// A libpq connection string or URI as the user gave it (`postgresql://user@host/db`,
/// `host=… dbname=…`), with what it takes to show it, or a message about it, without its
/// password.
///
/// libpq itself reads the string (with the `PG*` variables, `~/.pgpass`, TLS and SCRAM, as
/// `psql` does); this type only keeps secrets out of what warroom prints.
public struct ConnectionString: Sendable, CustomStringConvertible {
    /// The string as given; never printed.
    let raw: String
    /// Every spelling of a password the string carries (as written and percent-decoded).
    let secrets: [String]
    /// The options libpq reads from it, without passwords, as `key=value` (empty when libpq
    /// cannot parse it).
    let visibleOptions: [(key: String, value: String)]

    public init(_ raw: String) {
        self.raw = raw
        var secrets = Self.scanSecrets(raw)
        var visible: [(key: String, value: String)] = []
        var error: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(raw, &error) {
            var option = options
            while let keyword = option.pointee.keyword {
                if let value = option.pointee.val {
                    let key = String(cString: keyword)
                    let text = String(cString: value)
                    let hidden = option.pointee.dispchar.map { String(cString: $0).hasPrefix("*") } ?? false
                    if hidden || key == "password" {
                        secrets.append(text)
                    } else {
                        visible.append((key, text))
                    }
                }
                option += 1
            }
            PQconninfoFree(options)
        }
        if let error { PQfreemem(error) }
        self.secrets = Array(Set(secrets.filter { !$0.isEmpty })).sorted { $0.count > $1.count }
        visibleOptions = visible
    }

    /// The string split into its password and the rest as a libpq `key=value` string, when it
    /// carries exactly one password libpq reads (so that the password can travel in
    /// PGPASSWORD instead of a command line every local user sees); `nil` otherwise.
    public var withoutPassword: (options: String, password: String)? {
        guard !visibleOptions.isEmpty, let password = parsedPassword else { return nil }
        let options = visibleOptions.map { option in
            let needsQuotes = option.value.isEmpty || option.value.contains { $0 == " " || $0 == "'" || $0 == "\\" }
            let value = needsQuotes ? "'" + option.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'" : option.value
            return "\(option.key)=\(value)"
        }
        return (options.joined(separator: " "), password)
    }

    /// The password libpq reads from the string, if any.
    var parsedPassword: String? {
        var error: UnsafeMutablePointer<CChar>?
        defer { if let error { PQfreemem(error) } }
        guard let options = PQconninfoParse(raw, &error) else { return nil }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val { return String(cString: value) }
            option += 1
        }
        return nil
    }

    /// The options without any password, e.g. `host=/run/postgresql dbname=warroom user=alice`.
    public var description: String {
        if visibleOptions.isEmpty { return raw.isEmpty ? "(the PG* defaults)" : "(a connection string libpq cannot read)" }
        return visibleOptions.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// `message` with every password this string carries taken out: a libpq message about a
    /// malformed string may quote parts of it.
    public func redact(_ message: String) -> String {
        var text = message
        // A quoted fragment that holds a secret is dropped whole, however short the secret.
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "\"") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "\"") else { break }
            let inside = rest[afterOpen..<close]
            result += rest[..<open]
            result += secrets.contains(where: { inside.contains($0) }) ? "\"***\"" : "\"\(inside)\""
            rest = rest[rest.index(after: close)...]
        }
        text = result + rest
        for secret in secrets where secret.count >= 3 {
            text = text.replacingOccurrences(of: secret, with: "***")
        }
        return text
    }

    /// Passwords found by reading the string leniently, so that one libpq refuses to parse
    /// is still redacted: `password=…` (quoted or not) and a URI's `user:password@` and
    /// `?password=…`.
    static func scanSecrets(_ raw: String) -> [String] {
        var found: [String] = []
        let characters = Array(raw)
        // key = value pairs
        var index = 0
        let key = Array("password")
        while index + key.count <= characters.count {
            if Array(characters[index..<(index + key.count)]).map({ Character($0.lowercased()) }) == key {
                var cursor = index + key.count
                while cursor < characters.count, characters[cursor] == " " { cursor += 1 }
                if cursor < characters.count, characters[cursor] == "=" {
                    cursor += 1
                    while cursor < characters.count, characters[cursor] == " " { cursor += 1 }
                    var value = ""
                    if cursor < characters.count, characters[cursor] == "'" {
                        cursor += 1
                        while cursor < characters.count, characters[cursor] != "'" {
                            if characters[cursor] == "\\", cursor + 1 < characters.count { cursor += 1 }
                            value.append(characters[cursor])
                            cursor += 1
                        }
                    } else {
                        while cursor < characters.count, characters[cursor] != " ", characters[cursor] != "&" {
                            value.append(characters[cursor])
                            cursor += 1
                        }
                    }
                    found.append(value)
                }
            }
            index += 1
        }
        // user:password@ in a URI
        if let scheme = raw.range(of: "://") {
            let afterScheme = raw[scheme.upperBound...]
            let authority = afterScheme.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    found.append(String(userInfo[userInfo.index(after: colon)...]))
                }
            }
        }
        return found.flatMap { [$0, $0.removingPercentEncoding ?? $0] }
    }
}
