import ArgumentParser
import Foundation
import WarRoomKit

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a scenario headless and print its time series.",
        discussion: "json prints JSON Lines (one sample per --every): at, request_rate, error_rate, timeout_rate, p99_ms, backends_up, backends_down, users_affected, config_version, window_s, backends. csv has the same top-level columns but window_s; table is for people. Rates cover the --every before each time (window_s), p99_ms its last second; users_affected is the share of users who had a request fail because of the incident since the scenario's start, not counting failures at the normal background rate.")

    @Argument(help: "Scenario id or path.")
    var scenario: String

    // Unconditional, so that `--duration -5m` is read as a value and refused as one.
    @Option(parsing: .unconditional, help: "How long to simulate from the scenario's start (e.g. 8h; at most 31d, a drill's length).")
    var duration = "1h"

    @Option(parsing: .unconditional, help: "Sample interval (e.g. 1m).")
    var every = "1m"

    @Option(help: "table, csv or json.")
    var format = "table"

    @Option(help: "Playbooks folder whose scenarios/ to search.")
    var playbooks: String?

    func validate() throws {
        do {
            _ = try Bounds.wholeDuration(duration, Bounds.simulateDuration)
        } catch {
            throw ValidationError("--duration takes a duration like 8h, at most a drill's length: \(error)")
        }
        do {
            _ = try Bounds.wholeDuration(every, Bounds.simulateEvery)
        } catch {
            throw ValidationError("--every takes a duration like 1m: \(error)")
        }
        guard SimulationReport.Format(rawValue: format) != nil else {
            throw ValidationError("--format must be table, csv or json, not '\(format)'")
        }
    }

    func run() throws {
        // Checked by validate().
        let total = try! Bounds.wholeDuration(duration, Bounds.simulateDuration)
        let step = try! Bounds.wholeDuration(every, Bounds.simulateEvery)
        let chosen = SimulationReport.Format(rawValue: format)!
        let loaded: Scenario
        do {
            loaded = try ScenarioLookup.find(scenario, folders: Environment.playbookFolders(explicit: playbooks))
        } catch let error as InputFileError {
            throw Failure.exit(error)
        } catch {
            Terminal.error(String(describing: error))
            throw ExitCode(65)
        }
        for warning in loaded.warnings { Terminal.errorLine("warroom: warning: \(warning)") }
        // Progress on a terminal's stderr while the samples stream to stdout (a file or a pipe).
        let showProgress = Terminal.stderrIsTerminal && !Terminal.stdoutIsTerminal
        let expected = max(1, Int(total / step))
        var written = 0
        SimulationReport.run(scenario: loaded, duration: total, every: step, format: chosen) { line in
            Terminal.write(STDOUT_FILENO, line.hasSuffix("\n") ? line : line + "\n")
            written += 1
            if showProgress, written % 10 == 0 || written >= expected {
                Terminal.progress(STDERR_FILENO, "simulating \(min(100, written * 100 / expected))%")
            }
        }
        if showProgress {
            Terminal.progress(STDERR_FILENO, "                ")
            Terminal.progress(STDERR_FILENO, "")
        }
    }
}
