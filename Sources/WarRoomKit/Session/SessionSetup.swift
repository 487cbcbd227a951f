#if canImport(Glibc)
import Glibc
#endif

/// What `start` and `resume` resolve before a session opens: the playbook, the scenario and
/// the load balancer.
struct SessionSetup {
    var playbook: Playbook?
    var target: TargetSetup
    /// Things the responder should know (a playbook changed since the incident opened …).
    var notices: [String] = []

    /// The bundled drill's playbook, used by `start` with no options.
    static let defaultPlaybook = "lb-cascading-failure"

    /// Resolves `start`'s options (SPEC §2): with none, the bundled load-balancer drill; a
    /// playbook brings its default scenario unless a real target was named.
    static func resolve(_ options: StartOptions) throws -> SessionSetup {
        let folders = options.playbookFolders
        var playbookReference = options.playbook
        let freeForm = options.freeForm
        if freeForm, options.playbook != nil {
            throw StartError.conflict("--free-form opens an incident with no playbook; drop --playbook, or drop --free-form")
        }
        let targetText = options.target ?? ""
        let realTarget = targetText.hasPrefix("haproxy:")
        if options.metrics != nil, options.scenario != nil || targetText == "sim" {
            throw StartError.conflict("--metrics reads a real system's figures from Prometheus; a drill's scenario is a simulation (drop --scenario, or drop --metrics)")
        }
        if !freeForm, playbookReference == nil, options.scenario == nil, !realTarget, options.metrics == nil {
            playbookReference = defaultPlaybook
        }
        var playbook: Playbook?
        if let playbookReference {
            do {
                playbook = try directPlaybook(playbookReference, folders: folders) ?? PlaybookCatalog(folders: folders).find(playbookReference)
            } catch let error as PlaybookCatalogError {
                throw StartError.conflict(error.description)
            }
        }
        var scenarioReference = options.scenario
        if scenarioReference == nil, !realTarget, targetText != "none", !freeForm, options.metrics == nil { scenarioReference = playbook?.scenario }
        if realTarget, options.scenario != nil {
            throw StartError.conflict("a scenario drives the simulation; with --target \(targetText) there is none (drop --scenario)")
        }
        var target = TargetSetup.none
        if realTarget {
            do {
                target = try TargetSetup.haproxy(targetText)
            } catch let error as HAProxyError {
                throw StartError.conflict(error.description)
            }
        } else if let scenarioReference {
            guard targetText.isEmpty || targetText == "sim" else {
                throw StartError.conflict("unknown target '\(targetText)'; use sim, none, haproxy:/path/to.sock or haproxy:HOST:PORT")
            }
            do {
                target = .simulation(try loadScenario(scenarioReference, folders: folders))
            } catch let error as StartError where options.scenario == nil {
                // The scenario was named by the playbook: point at the line that names it.
                guard let playbook, let at = playbook.scenarioPosition else { throw error }
                throw InputFileError([Diagnostic(file: playbook.path, line: at.line, column: at.column,
                                                 message: "the playbook's scenario: \(error)")])
            }
        } else if targetText == "sim" {
            throw StartError.conflict("--target sim needs a scenario to simulate: add --scenario ID (see 'warroom scenarios list')")
        } else if !targetText.isEmpty, targetText != "none" {
            throw StartError.conflict("unknown target '\(targetText)'; use sim, none, haproxy:/path/to.sock or haproxy:HOST:PORT")
        }
        return SessionSetup(playbook: playbook, target: target)
    }

    /// A playbook id found as `FOLDER/ID.yaml` in the first folder that has it, loaded without
    /// reading every other playbook (start-up stays fast); `nil` to fall back to the catalogue.
    static func directPlaybook(_ reference: String, folders: [String]) -> Playbook? {
        guard !reference.contains("/"), !reference.hasSuffix(".yaml") else { return nil }
        for folder in folders where access("\(folder)/\(reference).yaml", R_OK) == 0 {
            if let playbook = try? PlaybookLoader.load(path: "\(folder)/\(reference).yaml"), playbook.id == reference { return playbook }
        }
        return nil
    }

    /// Rebuilds the setup of a transcript from its `open` entry, warning when a playbook or
    /// scenario file changed since the incident opened.
    static func restore(openData: JSONObject, folders: [String]) throws -> SessionSetup {
        var setup = SessionSetup(playbook: nil, target: .none)
        if let record = openData["playbook"], record != .null {
            let path = record["path"]?.stringValue ?? ""
            let id = record["id"]?.stringValue ?? ""
            do {
                let playbook = access(path, R_OK) == 0 ? try PlaybookLoader.load(path: path) : try PlaybookCatalog(folders: folders).find(id)
                if let warning = playbook.changeWarning(comparedWith: record) { setup.notices.append(warning) }
                setup.playbook = playbook
            } catch {
                setup.notices.append("the playbook '\(id)' cannot be loaded (\(error)); continuing without its guidance")
            }
        }
        let label = openData["target"]?.stringValue ?? "none"
        if let record = openData["scenario"], record != .null {
            let id = record["id"]?.stringValue ?? ""
            let scenario = try recordedScenario(record, folders: folders)
            if let sha = record["sha256"]?.stringValue, sha != scenario.sha256 {
                setup.notices.append("the scenario '\(id)' changed since this incident opened (SHA-256 \(sha.prefix(12))… → \(scenario.sha256.prefix(12))…); the simulation follows the file as it is now")
            }
            setup.target = .simulation(scenario)
        } else if label.hasPrefix("haproxy:") {
            setup.target = try TargetSetup.haproxy(label)
            if let haproxy = setup.target.target as? HAProxyTarget, let problem = haproxy.connectionProblem {
                setup.notices.append("\(label) cannot be reached: \(problem); notes still work and probes will retry")
            }
        }
        return setup
    }

    /// The scenario an `open` entry's `scenario` record names: the recorded path when it can
    /// be read, else the id looked up in `folders`.
    static func recordedScenario(_ record: JSONValue, folders: [String]) throws -> Scenario {
        let path = record["path"]?.stringValue ?? ""
        return try loadScenario(access(path, R_OK) == 0 ? path : record["id"]?.stringValue ?? "", folders: folders)
    }

    static func loadScenario(_ reference: String, folders: [String]) throws -> Scenario {
        do {
            return try ScenarioLookup.find(reference, folders: folders)
        } catch let error as InputFileError {
            throw error
        } catch {
            throw StartError.conflict(String(describing: error))
        }
    }
}

/// Finds a scenario by path, or by id in the `scenarios/` folder of each playbooks folder.
public enum ScenarioLookup {
    /// - Throws: `ScenarioFileError` (not found, unreadable) or `InputFileError` (problems in the file).
    public static func find(_ reference: String, folders: [String]) throws -> Scenario {
        let scenarioFolders = folders.map { "\($0)/scenarios" }
        var lastError: Error?
        for folder in scenarioFolders where access(folder, R_OK) == 0 || reference.contains("/") {
            do {
                return try ScenarioCatalog(folder: folder).find(idOrPath: reference)
            } catch let error as ScenarioFileError {
                if case .notFound = error { lastError = error; continue }
                throw error
            }
        }
        if let lastError { throw lastError }
        return try ScenarioCatalog(folder: scenarioFolders.first ?? "Playbooks/scenarios").find(idOrPath: reference)
    }
}
