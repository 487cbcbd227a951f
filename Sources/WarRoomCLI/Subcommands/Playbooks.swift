import ArgumentParser
import WarRoomKit

struct PlaybooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playbooks",
        abstract: "List playbooks, or lint playbook files.",
        subcommands: [ListPlaybooks.self, LintPlaybooks.self],
        defaultSubcommand: ListPlaybooks.self)

    struct ListPlaybooks: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The playbooks warroom finds: id, version, title, phases, steps.")

        @Option(help: "Folder to list (default: --playbooks search path: $WARROOM_PLAYBOOKS, ./Playbooks, the bundled ones).")
        var playbooks: String?

        func run() throws {
            let catalog = PlaybookCatalog(folders: Environment.playbookFolders(explicit: playbooks))
            Terminal.print(catalog.listing())
        }
    }

    struct LintPlaybooks: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint", abstract: "Check playbook files; print file:line:column: message per problem, exit 1 if any.")

        @Argument(help: "Playbook files (.yaml).")
        var paths: [String]

        func validate() throws {
            if paths.isEmpty { throw ValidationError("give at least one playbook file, e.g. warroom playbooks lint Playbooks/*.yaml") }
        }

        func run() throws {
            var problems = 0
            for path in paths {
                let diagnostics = PlaybookLoader.lint(path: path)
                for diagnostic in diagnostics { Terminal.print(diagnostic.description) }
                problems += diagnostics.filter { $0.severity == .error }.count
            }
            if problems == 0 { Terminal.errorLine("\(paths.count) playbook\(paths.count == 1 ? "" : "s") OK") }
            throw problems == 0 ? ExitCode.success : ExitCode(1)
        }
    }
}

struct ScenariosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenarios",
        abstract: "List simulation scenarios, or lint scenario files.",
        subcommands: [ListScenarios.self, LintScenarios.self],
        defaultSubcommand: ListScenarios.self)

    struct ListScenarios: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The scenarios warroom finds: id, title, start, backends.")

        @Option(help: "Playbooks folder whose scenarios/ to list.")
        var playbooks: String?

        func run() throws {
            var rows = [["ID", "START (UTC)", "BACKENDS", "TITLE"]]
            var seen = Set<String>()
            for folder in Environment.playbookFolders(explicit: playbooks) {
                for entry in ScenarioCatalog(folder: "\(folder)/scenarios").all() where seen.insert(entry.id).inserted {
                    rows.append([entry.id, entry.start?.iso8601Seconds ?? "-", String(entry.backends),
                                 entry.diagnostics.contains { $0.severity == .error } ? "\(entry.title) (has problems: warroom scenarios lint \(entry.path))" : entry.title])
                }
            }
            Terminal.print(rows.count == 1 ? "No scenarios found." : Display.table(rows))
        }
    }

    struct LintScenarios: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint", abstract: "Check scenario files; print file:line:column: message per problem, exit 1 if any.")

        @Argument(help: "Scenario files (.yaml).")
        var paths: [String]

        func validate() throws {
            if paths.isEmpty { throw ValidationError("give at least one scenario file, e.g. warroom scenarios lint Playbooks/scenarios/*.yaml") }
        }

        func run() throws {
            var problems = 0
            for path in paths {
                let bytes: [UInt8]
                do {
                    bytes = try TranscriptLog.readBytes(path: path)
                } catch {
                    Terminal.print("\(path):1:1: cannot read the file: \(error)")
                    problems += 1
                    continue
                }
                let diagnostics = ScenarioLoader.lint(bytes: bytes, file: path)
                for diagnostic in diagnostics { Terminal.print(diagnostic.description) }
                problems += diagnostics.filter { $0.severity == .error }.count
            }
            if problems == 0 { Terminal.errorLine("\(paths.count) scenario\(paths.count == 1 ? "" : "s") OK") }
            throw problems == 0 ? ExitCode.success : ExitCode(1)
        }
    }
}
