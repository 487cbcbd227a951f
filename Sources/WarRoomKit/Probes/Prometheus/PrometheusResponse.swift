/// Reads the body of Prometheus's HTTP API answers (`/api/v1/query`, `/api/v1/query_range`):
/// `{"status":"success","data":{"resultType":…,"result":…}}`, or `{"status":"error",
/// "errorType":…,"error":…}`. Values are strings (`"0.25"`, `"NaN"`, `"+Inf"`).
public enum PrometheusResponse {
    /// The samples of an instant query (a vector, or a scalar as one sample with no labels).
    /// - Throws: `MetricsError.queryFailed` for Prometheus's own error, `.badResponse` for anything else unexpected.
    public static func samples(_ body: [UInt8], source: String, query: String) throws -> [MetricSample] {
        let (type, result) = try data(body, source: source, query: query)
        switch type {
        case "vector":
            guard let items = result.arrayValue else { throw MetricsError.badResponse(source: source, reason: "a vector that is not a list") }
            return try items.map { item in
                MetricSample(labels: labels(item["metric"]), value: try point(item["value"], source: source).value)
            }
        case "scalar":
            return [MetricSample(value: try point(result, source: source).value)]
        default:
            throw MetricsError.badResponse(source: source, reason: "an instant query answered with a \(type), not a vector or scalar")
        }
    }

    /// The series of a range query (a matrix).
    public static func series(_ body: [UInt8], source: String, query: String) throws -> [MetricSeries] {
        let (type, result) = try data(body, source: source, query: query)
        guard type == "matrix", let items = result.arrayValue else {
            throw MetricsError.badResponse(source: source, reason: "a range query answered with a \(type), not a matrix")
        }
        return try items.map { item in
            let values = item["values"]?.arrayValue ?? []
            return MetricSeries(labels: labels(item["metric"]), points: try values.map { try point($0, source: source) })
        }
    }

    private static func data(_ body: [UInt8], source: String, query: String) throws -> (String, JSONValue) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            let start = String(decoding: body.prefix(60), as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            throw MetricsError.badResponse(source: source, reason: "not JSON (it begins \("\"" + SafeText.printable(start) + "\""))")
        }
        switch value["status"]?.stringValue {
        case "success":
            guard let type = value["data"]?["resultType"]?.stringValue, let result = value["data"]?["result"] else {
                throw MetricsError.badResponse(source: source, reason: "no data.resultType or data.result")
            }
            return (type, result)
        case "error":
            let kind = value["errorType"]?.stringValue ?? "error"
            throw MetricsError.queryFailed(source: source, query: query, reason: "\(kind): \(value["error"]?.stringValue ?? "no reason given")")
        default:
            throw MetricsError.badResponse(source: source, reason: "no \"status\" of success or error")
        }
    }

    private static func labels(_ value: JSONValue?) -> [String: String] {
        var labels: [String: String] = [:]
        for member in value?.objectValue?.members ?? [] {
            if let text = member.value.stringValue { labels[member.key] = text }
        }
        return labels
    }

    /// `[1700000000.123, "0.25"]`.
    private static func point(_ value: JSONValue?, source: String) throws -> MetricSeries.Point {
        guard let pair = value?.arrayValue, pair.count == 2, let time = pair[0].doubleValue, let text = pair[1].stringValue else {
            throw MetricsError.badResponse(source: source, reason: "a sample that is not [time, \"value\"]")
        }
        let number: Double
        switch text {
        case "NaN": number = .nan
        case "+Inf", "Inf": number = .infinity
        case "-Inf": number = -.infinity
        default:
            guard let parsed = Double(text) else { throw MetricsError.badResponse(source: source, reason: "a sample value \("\"" + SafeText.printable(text) + "\"") that is not a number") }
            number = parsed
        }
        return MetricSeries.Point(at: Instant(seconds: time), value: number)
    }
}
