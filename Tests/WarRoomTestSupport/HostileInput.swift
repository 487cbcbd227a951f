import Foundation

/// Inputs an attacker would craft, shared by the unit and end-to-end tests.
public enum HostileInput {
    /// A "billion laughs": each level an anchor holding nine aliases of the level before.
    public static func laughs(levels: Int, indent: String = "") -> String {
        var lines = ["\(indent)l0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...levels {
            lines.append("\(indent)l\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n")
    }

    /// A 1 KB playbook whose aliases expand to 9^13 nodes.
    public static let playbookBomb = "playbook: bomb\ntitle: Bomb\nversion: 1\n" + laughs(levels: 12) + "\nphases: []\n"

    /// A small valid scenario; `replacements` change its RATE, INTERVAL, CAPACITY, LATENCY or its `start`.
    public static func scenario(_ replacements: [String: String] = [:]) -> String {
        var text = """
            scenario: bounds
            title: Bounds
            start: 2024-01-01T00:00:00Z
            traffic: { rate: RATE }
            loadbalancer: { algorithm: round-robin, health_check: { interval: INTERVAL } }
            backends:
              - { name: a, capacity: CAPACITY, latency: LATENCY }
            """
        let defaults = ["RATE": "100", "INTERVAL": "2s", "CAPACITY": "100", "LATENCY": "10ms"]
        for (key, value) in defaults.merging(replacements, uniquingKeysWith: { $1 }) where key != "start" {
            text = text.replacingOccurrences(of: key, with: value)
        }
        if let start = replacements["start"] { text = text.replacingOccurrences(of: "2024-01-01T00:00:00Z", with: start) }
        return text
    }

    /// The small scenario with a billion laughs in its description.
    public static let scenarioBomb = scenario() + "\ndescription:\n" + laughs(levels: 12, indent: "  ") + "\n"

    /// Plants a symbolic link at `link` to a file holding `precious\n` (someone else's file).
    /// - Returns: the file the link points to.
    public static func plantLink(_ link: String, in folder: TemporaryFolder) throws -> String {
        let victim = folder.file("victim-\(UUID().uuidString.prefix(6))")
        try "precious\n".write(toFile: victim, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
        return victim
    }

    /// A file's permission bits.
    public static func mode(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1
    }
}
