import ArgumentParser
import Foundation
import WarRoomKit
import WarRoomPrometheus

/// `--metrics prometheus:URL`, `--metrics-map FILE` and `--metrics-timeout D` on `start`,
/// `join` and `resume` (docs/PROMETHEUS.md).
struct MetricsOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Read probes from Prometheus: prometheus:http://HOST:PORT (default $WARROOM_METRICS; join and resume reuse the incident's). lb keeps changing the --target.",
        valueName: "prometheus:URL"))
    var metrics: String?

    @Option(name: .customLong("metrics-map"), help: ArgumentHelp(
        "YAML file mapping each probe figure to PromQL (default $WARROOM_METRICS_MAP, else the built-in map of HAProxy's exporter).", valueName: "FILE"))
    var map: String?

    @Option(name: .customLong("metrics-timeout"), help: ArgumentHelp("How long a probe waits for Prometheus, 0.1s to 60s (default 2s).", valueName: "D"))
    var timeout: String = "2s"

    /// The probes, or `nil` when no Prometheus is named here, in the environment, or on the record.
    /// - Parameters:
    ///   - recorded: the URL the incident's `open` entry names (`join`, `resume`).
    ///   - recordedMap: the map it was opened with, when that was a file.
    /// - Throws: `StartError.invalid` for a URL or timeout that cannot be used, `InputFileError` for a bad map.
    func probes(recorded: String? = nil, recordedMap: String? = nil) throws -> PrometheusProbes? {
        let environment = ProcessInfo.processInfo.environment
        guard let text = metrics ?? environment["WARROOM_METRICS"].flatMap({ $0.isEmpty ? nil : $0 }) ?? recorded else { return nil }
        guard text.hasPrefix("prometheus:") else {
            throw StartError.invalid("--metrics '\(text)' names no known backend: give prometheus:http://HOST:PORT")
        }
        let seconds: Double
        do {
            seconds = try Bounds.duration(timeout, Bounds.metricsTimeout) / 1000
        } catch {
            throw StartError.invalid("--metrics-timeout takes a duration like 2s or 500ms: \(error)")
        }
        let backend: PrometheusHTTP
        do {
            backend = try PrometheusHTTP(url: String(text.dropFirst("prometheus:".count)))
        } catch let error as PrometheusURLError {
            throw StartError.invalid(error.description)
        }
        var mapPath = map ?? environment["WARROOM_METRICS_MAP"].flatMap { $0.isEmpty ? nil : $0 } ?? recordedMap
        // Recorded as an absolute path, so that `resume` from another folder finds it.
        if let path = mapPath, !path.hasPrefix("/") { mapPath = FileManager.default.currentDirectoryPath + "/" + path }
        let loaded = try mapPath.map(MetricsMap.load(path:)) ?? MetricsMap.haproxy
        return PrometheusProbes(backend: backend, map: loaded, timeoutSeconds: seconds)
    }
}
