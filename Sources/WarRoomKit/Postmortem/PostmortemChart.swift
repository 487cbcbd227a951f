/// Draws the incident chart as inline SVG: error rate (left axis) and traffic (right axis)
/// over time, with a labelled vertical line at each milestone.
///
/// For a drill whose simulation was re-run, the lines are the simulation's evenly spaced
/// samples and the responders' probe readings are dots on them; otherwise the lines join the
/// probe readings.
struct PostmortemChart {
    let chart: PostmortemModel.Chart

    /// The series the lines follow.
    var errorLine: [PostmortemModel.ChartPoint] { chart.simulation?.errorRate ?? chart.errorRate }
    var trafficLine: [PostmortemModel.ChartPoint] { chart.simulation?.requestRate ?? chart.requestRate }
    let width = 880.0
    let left = 64.0
    let right = 80.0
    let bottom = 48.0
    /// Height of one row of milestone labels.
    let labelRow = 14.0

    /// Tick spacings for the time axis, in milliseconds.
    static let timeSteps: [Int64] = [60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000,
                                     10_800_000, 21_600_000, 43_200_000, 86_400_000]

    /// The `<svg>` element, or `nil` when there is nothing to plot.
    func svg() -> String? {
        guard !chart.isEmpty else { return nil }
        let times = errorLine.map(\.at) + trafficLine.map(\.at) + chart.errorRate.map(\.at) + chart.requestRate.map(\.at) + chart.markers.map(\.at)
        var start = times.min()!
        var end = times.max()!
        if end - start < 600_000 {
            start = start - 300_000
            end = end + 300_000
        }
        let plotWidth = width - left - right
        func x(_ at: Instant) -> Double { left + Double(at - start) / Double(end - start) * plotWidth }
        let rows = labelRows(x: x)
        let rowCount = Double((rows.max() ?? -1) + 1)
        // The legend takes the first 24 units; milestone labels stack in rows below it.
        let top = 28 + rowCount * labelRow + 6
        let height = top + 216 + bottom
        let plotHeight = height - top - bottom
        let errorMax = Self.niceCeiling(max((errorLine + chart.errorRate).map(\.value).max() ?? 0, 0.01))
        let trafficMax = Self.niceCeiling(max((trafficLine + chart.requestRate).map(\.value).max() ?? 0, 1))
        func yError(_ value: Double) -> Double { top + plotHeight - min(max(value, 0), errorMax) / errorMax * plotHeight }
        func yTraffic(_ value: Double) -> Double { top + plotHeight - min(max(value, 0), trafficMax) / trafficMax * plotHeight }

        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \#(n(width)) \#(n(height))" role="img" aria-label="Error rate and traffic over the incident" aria-describedby="chart-desc">"#
        svg += "<title>Error rate and traffic over the incident</title>"
        svg += #"<desc id="chart-desc">\#(description(start: start, end: end))</desc>"#
        svg += #"<rect x="\#(n(left))" y="\#(n(top))" width="\#(n(plotWidth))" height="\#(n(plotHeight))" class="plot"/>"#

        // Horizontal grid and both value axes.
        for tick in 0...4 {
            let fraction = Double(tick) / 4
            let y = top + plotHeight - fraction * plotHeight
            svg += #"<line x1="\#(n(left))" y1="\#(n(y))" x2="\#(n(left + plotWidth))" y2="\#(n(y))" class="grid"/>"#
            if !errorLine.isEmpty {
                svg += #"<text x="\#(n(left - 6))" y="\#(n(y + 4))" class="axis error" text-anchor="end">\#(MetricText.percent(errorMax * fraction))</text>"#
            }
            if !trafficLine.isEmpty {
                svg += #"<text x="\#(n(left + plotWidth + 6))" y="\#(n(y + 4))" class="axis traffic" text-anchor="start">\#(MetricText.grouped(trafficMax * fraction))</text>"#
            }
        }

        // Time axis.
        let step = Self.timeSteps.first { (end - start) / $0 <= 8 } ?? 86_400_000
        var tick = Instant(milliseconds: (start.milliseconds / step + 1) * step)
        if start.milliseconds % step == 0 { tick = start }
        while tick <= end {
            let tx = x(tick)
            svg += #"<line x1="\#(n(tx))" y1="\#(n(top + plotHeight))" x2="\#(n(tx))" y2="\#(n(top + plotHeight + 5))" class="tick"/>"#
            let label = step >= 86_400_000 ? tick.date : tick.hourMinute
            svg += #"<text x="\#(n(tx))" y="\#(n(top + plotHeight + 18))" class="axis" text-anchor="middle">\#(label)</text>"#
            tick = tick + step
        }
        svg += #"<text x="\#(n(left + plotWidth / 2))" y="\#(n(height - 8))" class="axis" text-anchor="middle">Time (UTC), \#(start.date)</text>"#

        // Milestones: each label sits right of its line, in the highest row where it does not
        // overprint the label before it.
        for (index, marker) in chart.markers.enumerated() {
            let mx = x(marker.at)
            let labelY = 28 + Double(rows[index] + 1) * labelRow
            svg += #"<line x1="\#(n(mx))" y1="\#(n(labelY - 10))" x2="\#(n(mx))" y2="\#(n(top + plotHeight))" class="marker"/>"#
        }
        // Labels after all the lines, with a halo in the background colour, so that a later
        // milestone's line never runs through an earlier one's label.
        for (index, marker) in chart.markers.enumerated() {
            let mx = x(marker.at)
            let labelY = 28 + Double(rows[index] + 1) * labelRow
            // Near the right edge the label goes left of its line so it is not cut off.
            let (anchor, labelX) = labelSpan(marker, at: mx).start < mx ? ("end", mx - 3) : ("start", mx + 3)
            svg += #"<text x="\#(n(labelX))" y="\#(n(labelY))" class="marker-label" text-anchor="\#(anchor)">\#(markerText(marker))</text>"#
        }

        // Traffic first, so the error line is drawn over it; the legend reads error first.
        let series: [(name: String, label: String, line: [PostmortemModel.ChartPoint], readings: [PostmortemModel.ChartPoint], y: (Double) -> Double)] = [
            ("traffic", "Requests per second (right axis)", trafficLine, chart.requestRate, yTraffic),
            ("error", "Error rate (left axis)", errorLine, chart.errorRate, yError),
        ]
        for item in series where !item.line.isEmpty {
            svg += #"<polyline class="\#(item.name)" points="\#(item.line.map { "\(n(x($0.at))),\(n(item.y($0.value)))" }.joined(separator: " "))"/>"#
        }
        if chart.simulation != nil {
            // What the responders read, on the simulated curves.
            for item in series {
                for point in item.readings {
                    svg += #"<circle class="reading \#(item.name)" cx="\#(n(x(point.at)))" cy="\#(n(item.y(point.value)))" r="3"/>"#
                }
            }
        }

        // Legend.
        var legendX = left
        for item in series.reversed() where !item.line.isEmpty {
            svg += #"<line x1="\#(n(legendX))" y1="12" x2="\#(n(legendX + 18))" y2="12" class="\#(item.name)"/><text x="\#(n(legendX + 24))" y="16" class="legend">\#(item.label)</text>"#
            legendX += 30 + Double(item.label.count) * 6.5
        }
        if chart.simulation != nil, !(chart.errorRate.isEmpty && chart.requestRate.isEmpty) {
            svg += #"<circle class="reading" cx="\#(n(legendX + 9))" cy="12" r="3"/><text x="\#(n(legendX + 18))" y="16" class="legend">probe readings</text>"#
        }
        svg += "</svg>"
        return svg
    }

    func markerText(_ marker: PostmortemModel.ChartMarker) -> String {
        "\(SafeText.html(marker.label)) \(marker.at.hourMinute)"
    }

    /// The label row of each marker: the first row whose last label ends before this one starts.
    func labelRows(x: (Instant) -> Double) -> [Int] {
        var rowEnds: [Double] = []
        var rows: [Int] = []
        for marker in chart.markers {
            let (start, end) = labelSpan(marker, at: x(marker.at))
            if let row = rowEnds.firstIndex(where: { $0 < start }) {
                rowEnds[row] = end
                rows.append(row)
            } else {
                rowEnds.append(end)
                rows.append(rowEnds.count - 1)
            }
        }
        return rows
    }

    /// Where a marker's label runs: right of its line, or left of it when it would run off the chart.
    func labelSpan(_ marker: PostmortemModel.ChartMarker, at x: Double) -> (start: Double, end: Double) {
        // About 6.5 units per character at the labels' 11-unit font size.
        let width = 3 + Double(marker.label.count + 6) * 6.5
        return x + width <= self.width ? (x, x + width) : (x - width, x)
    }

    /// A sentence for screen readers and for when the SVG cannot be shown.
    func description(start: Instant, end: Instant) -> String {
        var parts: [String] = ["From \(start.hourMinute) to \(end.hourMinute) UTC."]
        if let peak = errorLine.max(by: { $0.value < $1.value }) {
            parts.append("Error rate peaked at \(MetricText.percent(peak.value)) at \(peak.at.hourMinute) UTC.")
        }
        if let peak = trafficLine.max(by: { $0.value < $1.value }) {
            parts.append("Traffic peaked at \(MetricText.grouped(peak.value)) requests per second at \(peak.at.hourMinute) UTC.")
        }
        if !chart.markers.isEmpty {
            parts.append("Milestones: " + chart.markers.map { "\(SafeText.html($0.label)) \($0.at.hourMinute)" }.joined(separator: ", ") + ".")
        }
        return parts.joined(separator: " ")
    }

    /// The smallest round number at or above `value` whose quarters are round too (the axes
    /// have four intervals): 1, 1.2, 1.6, 2, 4, 6 or 8 × 10ⁿ.
    static func niceCeiling(_ value: Double) -> Double {
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        while magnitude > value { magnitude /= 10 }
        for factor in [1.0, 1.2, 1.6, 2.0, 4.0, 6.0, 8.0, 10.0] where factor * magnitude >= value * 0.999_999 {
            return factor * magnitude
        }
        return value
    }

    /// A coordinate with one decimal.
    func n(_ value: Double) -> String { MetricText.decimal(value, places: 1) }
}
