import Yams

/// What an incident opened from an alert gets: its severity (from a label) and its playbook
/// (from the first route whose labels match). Read from a routes file (docs/ALERTS.md):
///
/// ```yaml
/// severity:
///   label: severity
///   map: {critical: SEV-1, warning: SEV-3}
///   default: SEV-3
/// routes:
///   - match: {alertname: MessagingErrorRate}
///     playbook: lb-cascading-failure
/// default_playbook: none
/// ```
public struct AlertRoutes: Sendable, Equatable {
    /// One route: every label in `match` has one of its values.
    public struct Route: Sendable, Equatable {
        public var match: [String: [String]]
        /// A playbook id or path; `nil` for a free-form incident.
        public var playbook: String?
        /// Overrides the severity label's mapping.
        public var severity: String?
        /// Where the route is in its file (`routes.yaml:4:5`).
        public var origin: String

        func matches(_ labels: [String: String]) -> Bool {
            match.allSatisfy { name, values in labels[name].map(values.contains) ?? false }
        }
    }

    public var severityLabel = "severity"
    public var severityMap: [String: String] = ["critical": "SEV-1", "error": "SEV-2", "warning": "SEV-3", "info": "SEV-4"]
    public var defaultSeverity = "SEV-3"
    public var routes: [Route] = []
    /// The playbook of an alert no route matches (`nil`: free-form).
    public var defaultPlaybook: String?
    /// Where the routes were read from (`built-in` without a file).
    public var origin = "built-in routes"

    public init() {}

    /// What an alert group opens: the route that matched (if any), the severity and the playbook.
    public struct Decision: Sendable, Equatable {
        public var route: Route?
        public var severity: String
        public var playbook: String?
    }

    /// Decides by the group's common labels, and by its first alert's where they say nothing.
    public func decide(_ payload: AlertmanagerPayload) -> Decision {
        var labels = payload.alerts.first?.labels ?? [:]
        for (name, value) in payload.commonLabels { labels[name] = value }
        let route = routes.first { $0.matches(labels) }
        let mapped = labels[severityLabel].flatMap { severityMap[$0.lowercased()] ?? severityMap[$0] }
        return Decision(route: route, severity: route?.severity ?? mapped ?? defaultSeverity,
                        playbook: route.map(\.playbook) ?? defaultPlaybook)
    }

    /// Reads a routes file; every problem with its file:line:column.
    public static func load(path: String) throws -> AlertRoutes {
        let bytes = try YAMLSource.read(path, missing: "give an alert routes file's path (docs/ALERTS.md)", folder: "give a routes file (*.yaml)").get()
        return try parse(bytes: bytes, file: path).get()
    }

    public static func parse(bytes: [UInt8], file: String) -> Result<AlertRoutes, InputFileError> {
        var source = YAMLSource(bytes: bytes, file: file, kind: "routes file")
        guard let root = source.root else { return .failure(InputFileError(source.diagnostics)) }
        var routes = AlertRoutes()
        routes.origin = file
        let fields = source.fields(of: root, in: "a routes file", known: ["severity", "routes", "default_playbook"], required: [])
        if let node = fields["severity"]?.value {
            let severity = source.fields(of: node, in: "severity", known: ["label", "map", "default"], required: [])
            if let label = severity["label"].flatMap({ source.string($0.value, field: "severity.label") }) { routes.severityLabel = label }
            if let node = severity["default"]?.value, let text = source.string(node, field: "severity.default") {
                if let valid = validSeverity(text, at: node, in: &source) { routes.defaultSeverity = valid }
            }
            if let node = severity["map"]?.value {
                if case .mapping(let mapping) = node {
                    routes.severityMap = [:]
                    for (key, value) in mapping {
                        guard let name = key.string, let text = source.string(value, field: "severity.map.\(key.string ?? "")") else { continue }
                        if let valid = validSeverity(text, at: value, in: &source) { routes.severityMap[name.lowercased()] = valid }
                    }
                } else {
                    source.error("severity.map is a mapping of label value: SEV-N (critical: SEV-1)", at: node)
                }
            }
        }
        if let node = fields["default_playbook"]?.value, let text = source.string(node, field: "default_playbook") {
            routes.defaultPlaybook = text == "none" ? nil : text
        }
        if let node = fields["routes"]?.value {
            for item in source.items(node, field: "routes") {
                let route = source.fields(of: item, in: "a route", known: ["match", "playbook", "severity"], required: ["match"])
                var match: [String: [String]] = [:]
                if let node = route["match"]?.value {
                    if case .mapping(let mapping) = node, !mapping.isEmpty {
                        for (key, value) in mapping {
                            guard let name = key.string else { continue }
                            if case .sequence(let values) = value {
                                match[name] = values.compactMap(\.string)
                            } else if let text = source.string(value, field: "match.\(name)") {
                                match[name] = [text]
                            }
                        }
                    } else {
                        source.error("match is a mapping of label: value (or a list of values), e.g. {alertname: HighErrorRate}", at: node)
                    }
                }
                var severity: String?
                if let node = route["severity"]?.value, let text = source.string(node, field: "severity") {
                    severity = validSeverity(text, at: node, in: &source)
                }
                let playbook = route["playbook"].flatMap { source.string($0.value, field: "playbook") }
                let mark = item.mark
                routes.routes.append(Route(match: match, playbook: playbook == "none" ? nil : playbook, severity: severity,
                                           origin: "\(file):\(mark?.line ?? 1):\(mark?.column ?? 1)"))
            }
        }
        let errors = source.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { return .failure(InputFileError(errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) })) }
        return .success(routes)
    }

    private static func validSeverity(_ text: String, at node: Node, in source: inout YAMLSource) -> String? {
        let upper = text.uppercased()
        guard ["SEV-1", "SEV-2", "SEV-3", "SEV-4", "SEV-5"].contains(upper) else {
            source.error("'\(text)' is not a severity; use SEV-1 (highest) … SEV-5", at: node)
            return nil
        }
        return upper
    }
}
