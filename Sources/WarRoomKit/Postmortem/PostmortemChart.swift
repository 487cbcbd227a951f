/// Draws the incident chart as inline SVG: error rate (left axis) and traffic (right axis)
/// over time, with the milestones and the configuration changes marked.
///
/// For a drill whose simulation was re-run, the lines are the simulation's evenly spaced
/// samples and the responders' probe readings are dots on them; otherwise the lines join the
/// probe readings. The impact window (impact start to mitigation, or resolution) gets at
/// least half of the width: when it is a smaller part of the incident, the time before and
/// after it is compressed, and the axis and caption say so.
struct PostmortemChart {
    let chart: PostmortemModel.Chart

    /// The series the lines follow.
    var errorLine: [PostmortemModel.ChartPoint] { chart.simulation?.errorRate ?? chart.measured?.errorRate ?? chart.errorRate }
    var trafficLine: [PostmortemModel.ChartPoint] { chart.simulation?.requestRate ?? chart.measured?.requestRate ?? chart.requestRate }
    /// Whether the lines are a series of their own (simulated or measured), with the probe readings as dots on them.
    var linesAreSeries: Bool { chart.simulation != nil || chart.measured != nil }
    let width = 880.0
    let left = 64.0
    let right = 80.0
    let bottom = 48.0
    /// Height of one row of marker labels.
    let labelRow = 14.0
    /// The share of the plot's width the impact window gets when the rest is compressed.
    static let windowShare = 0.6

    /// Tick spacings for the time axis, in milliseconds.
    static let timeSteps: [Int64] = [60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000,
                                     10_800_000, 21_600_000, 43_200_000, 86_400_000]

    /// A stretch of the time axis drawn at one scale.
    struct Segment {
        var from: Instant
        var to: Instant
        var x0: Double
        var x1: Double
        var compressed: Bool
    }

    /// The first and last instant drawn.
    var span: (start: Instant, end: Instant)? {
        let times = errorLine.map(\.at) + trafficLine.map(\.at) + chart.errorRate.map(\.at) + chart.requestRate.map(\.at) + chart.markers.map(\.at)
        guard var start = times.min(), var end = times.max() else { return nil }
        if end - start < 600_000 {
            start = start - 300_000
            end = end + 300_000
        }
        return (start, end)
    }

    /// The axis: one linear segment, or the impact window at `windowShare` of the width with
    /// the time before and after it compressed.
    func segments(start: Instant, end: Instant) -> [Segment] {
        let plotWidth = width - left - right
        let total = Double(end - start)
        guard let window = chart.impactWindow, window.from > start || window.through < end else {
            return [Segment(from: start, to: end, x0: left, x1: left + plotWidth, compressed: false)]
        }
        let from = max(start, window.from)
        let through = min(end, window.through)
        guard through > from, Double(through - from) / total < 0.5 else {
            return [Segment(from: start, to: end, x0: left, x1: left + plotWidth, compressed: false)]
        }
        let before = Double(from - start)
        let after = Double(end - through)
        let rest = 1 - Self.windowShare
        var beforeShare = before > 0 ? max(0.05, rest * before / (before + after)) : 0
        var afterShare = after > 0 ? max(0.05, rest * after / (before + after)) : 0
        let scale = rest / max(beforeShare + afterShare, 1e-9)
        beforeShare *= min(1, scale)
        afterShare *= min(1, scale)
        let windowShare = 1 - beforeShare - afterShare
        var result: [Segment] = []
        var x = left
        if before > 0 {
            result.append(Segment(from: start, to: from, x0: x, x1: x + beforeShare * plotWidth, compressed: true))
            x += beforeShare * plotWidth
        }
        result.append(Segment(from: from, to: through, x0: x, x1: x + windowShare * plotWidth, compressed: false))
        x += windowShare * plotWidth
        if after > 0 { result.append(Segment(from: through, to: end, x0: x, x1: left + plotWidth, compressed: true)) }
        return result
    }

    /// The `<svg>` element, or `nil` when there is nothing to plot.
    func svg() -> String? {
        guard !chart.isEmpty, let (start, end) = span else { return nil }
        let segments = segments(start: start, end: end)
        let plotWidth = width - left - right
        func x(_ at: Instant) -> Double {
            let segment = segments.first { at <= $0.to } ?? segments[segments.count - 1]
            let clamped = min(max(at, segment.from), segment.to)
            let length = Double(segment.to - segment.from)
            return length > 0 ? segment.x0 + Double(clamped - segment.from) / length * (segment.x1 - segment.x0) : segment.x0
        }
        let labelled = chart.markers.enumerated().filter { $0.element.kind != .change }.map(\.element)
        let rows = labelRows(labelled, x: x)
        let rowCount = Double((rows.max() ?? -1) + 1)
        // The legend takes the first 24 units; marker labels stack in rows below it.
        let top = 28 + rowCount * labelRow + 6
        let height = top + 216 + bottom
        let plotHeight = height - top - bottom
        let errorMax = Self.niceCeiling(max((errorLine + chart.errorRate).map(\.value).max() ?? 0, 0.01))
        let trafficMax = Self.niceCeiling(max((trafficLine + chart.requestRate).map(\.value).max() ?? 0, 1))
        func yError(_ value: Double) -> Double { top + plotHeight - min(max(value, 0), errorMax) / errorMax * plotHeight }
        func yTraffic(_ value: Double) -> Double { top + plotHeight - min(max(value, 0), trafficMax) / trafficMax * plotHeight }

        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \#(n(width)) \#(n(height))" role="img" aria-label="Error rate and traffic over the incident" aria-describedby="chart-desc">"#
        svg += "<title>Error rate and traffic over the incident</title>"
        svg += #"<desc id="chart-desc">\#(SafeText.html(description(start: start, end: end)))</desc>"#
        // The impact window, shaded, when it is drawn at its own scale.
        if segments.count > 1, let window = segments.first(where: { !$0.compressed }) {
            svg += #"<rect x="\#(n(window.x0))" y="\#(n(top))" width="\#(n(window.x1 - window.x0))" height="\#(n(plotHeight))" class="band"/>"#
        }
        svg += #"<rect x="\#(n(left))" y="\#(n(top))" width="\#(n(plotWidth))" height="\#(n(plotHeight))" class="plot"/>"#

        // Horizontal grid and both value axes.
        for tick in 0...4 {
            let fraction = Double(tick) / 4
            let y = top + plotHeight - fraction * plotHeight
            svg += #"<line x1="\#(n(left))" y1="\#(n(y))" x2="\#(n(left + plotWidth))" y2="\#(n(y))" class="grid"/>"#
            if !errorLine.isEmpty {
                svg += #"<text x="\#(n(left - 6))" y="\#(n(y + 4))" class="axis error" text-anchor="end">\#(Self.axisPercent(errorMax * fraction))</text>"#
            }
            if !trafficLine.isEmpty {
                svg += #"<text x="\#(n(left + plotWidth + 6))" y="\#(n(y + 4))" class="axis traffic" text-anchor="start">\#(MetricText.grouped(trafficMax * fraction))</text>"#
            }
        }

        // Time axis: ticks at a round step within each segment, labels kept apart.
        var lastLabelX = -Double.infinity
        for (index, segment) in segments.enumerated() {
            if index > 0 {
                svg += #"<line x1="\#(n(segment.x0))" y1="\#(n(top))" x2="\#(n(segment.x0))" y2="\#(n(top + plotHeight))" class="break"/>"#
            }
            let length = segment.to - segment.from
            let slots = max(1, Int64((segment.x1 - segment.x0) / 90))
            let step = Self.timeSteps.first { length / $0 <= slots } ?? max(86_400_000, (length / slots + 86_399_999) / 86_400_000 * 86_400_000)
            var tick = Instant(milliseconds: Self.ceilingMultiple(segment.from.milliseconds, step))
            while tick <= segment.to {
                let tx = x(tick)
                svg += #"<line x1="\#(n(tx))" y1="\#(n(top + plotHeight))" x2="\#(n(tx))" y2="\#(n(top + plotHeight + 5))" class="tick"/>"#
                if tx - lastLabelX >= 44 {
                    let label = step >= 86_400_000 ? tick.date : tick.hourMinute
                    svg += #"<text x="\#(n(tx))" y="\#(n(top + plotHeight + 18))" class="axis" text-anchor="middle">\#(label)</text>"#
                    lastLabelX = tx
                }
                tick = tick + step
            }
        }
        let axisTitle = "Time (UTC), \(start.date)" + (segments.count > 1 ? "; shaded: the impact window, at its own scale; before and after it, compressed" : "")
        svg += #"<text x="\#(n(left + plotWidth / 2))" y="\#(n(height - 8))" class="axis" text-anchor="middle">\#(SafeText.html(axisTitle))</text>"#

        // Every configuration change: a small mark at the top of the plot. Changes closer than
        // a mark's width share one, which says how many it stands for (a long incident can
        // hold thousands).
        var run: [PostmortemModel.ChartMarker] = []
        func flush() {
            guard let first = run.first, let last = run.last else { return }
            let mx = x(first.at)
            let title = run.count == 1 ? markerText(first) : "\(run.count) configuration changes, \(SafeText.printable(first.label)) \(first.at.hourMinute) to \(SafeText.printable(last.label)) \(last.at.hourMinute)"
            svg += #"<path d="M\#(n(mx - 4)) \#(n(top - 6))h8l-4 6z" class="change"><title>\#(SafeText.html(title))</title></path>"#
            run.removeAll()
        }
        for marker in chart.markers where marker.kind == .change {
            if let first = run.first, x(marker.at) - x(first.at) >= 8 { flush() }
            run.append(marker)
        }
        flush()
        // Milestones and the named changes: a dashed line with a label right of it, in the
        // highest row where it does not overprint the label before it.
        for (index, marker) in labelled.enumerated() {
            let mx = x(marker.at)
            let labelY = 28 + Double(rows[index] + 1) * labelRow
            let kind = marker.kind == .milestone ? "marker" : "marker config"
            svg += #"<line x1="\#(n(mx))" y1="\#(n(labelY - 10))" x2="\#(n(mx))" y2="\#(n(top + plotHeight))" class="\#(kind)"/>"#
        }
        // Labels after all the lines, with a halo in the background colour, so that a later
        // marker's line never runs through an earlier one's label.
        for (index, marker) in labelled.enumerated() {
            let mx = x(marker.at)
            let labelY = 28 + Double(rows[index] + 1) * labelRow
            // Near the right edge the label goes left of its line so it is not cut off.
            let (anchor, labelX) = labelSpan(marker, at: mx).start < mx ? ("end", mx - 3) : ("start", mx + 3)
            svg += #"<text x="\#(n(labelX))" y="\#(n(labelY))" class="marker-label" text-anchor="\#(anchor)">\#(SafeText.html(markerText(marker)))</text>"#
        }

        // Traffic first, so the error line is drawn over it; the legend reads error first.
        let series: [(name: String, label: String, line: [PostmortemModel.ChartPoint], readings: [PostmortemModel.ChartPoint], y: (Double) -> Double)] = [
            ("traffic", "Requests per second (right axis)", trafficLine, chart.requestRate, yTraffic),
            ("error", "Error rate (left axis)", errorLine, chart.errorRate, yError),
        ]
        for item in series where !item.line.isEmpty {
            svg += #"<polyline class="\#(item.name)" points="\#(item.line.map { "\(n(x($0.at))),\(n(item.y($0.value)))" }.joined(separator: " "))"/>"#
        }
        if linesAreSeries {
            // What the responders read, on the simulated or measured curves.
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
        if linesAreSeries, !(chart.errorRate.isEmpty && chart.requestRate.isEmpty) {
            svg += #"<circle class="reading" cx="\#(n(legendX + 9))" cy="12" r="3"/><text x="\#(n(legendX + 18))" y="16" class="legend">probe readings</text>"#
            legendX += 130
        }
        if chart.markers.contains(where: { $0.kind == .change }) {
            svg += #"<path d="M\#(n(legendX + 5)) 9h8l-4 6z" class="change"/><text x="\#(n(legendX + 18))" y="16" class="legend">configuration change</text>"#
        }
        svg += "</svg>"
        return svg
    }

    /// What the chart shows and where each part comes from, for its caption (plain text).
    func caption() -> String {
        var sentences: [String] = []
        if let simulation = chart.simulation {
            let every = simulation.everySeconds == 60 ? "minute" : MetricText.duration(milliseconds: Int64(simulation.everySeconds) * 1000)
            sentences.append("Simulated: the lines are the drill's simulation (scenario \(simulation.scenario)), re-run from this transcript with every recorded configuration change and sampled every \(every), what monitoring would have shown.")
            sentences.append("Probed: the dots are the responders' errors and traffic probe readings, which lie on the simulated curves.")
        } else if let measured = chart.measured {
            let every = MetricText.duration(milliseconds: Int64(measured.everySeconds) * 1000)
            sentences.append("Measured: the lines are \(measured.source)'s error rate and traffic over the incident, every \(every), each point over the \(every) before it, read at the close (#\(measured.seq); the queries are in the Appendix).")
            sentences.append("Probed: the dots are the responders' errors and traffic probe readings.")
        } else {
            sentences.append("Probed: the lines join the responders' errors and traffic probe readings; nothing is simulated, so what happened between two probes is not shown.")
            if let note = chart.simulationNote { sentences.append("The drill's simulation was not re-run: \(SafeText.printable(note)).") }
        }
        sentences.append("Dashed lines mark the milestones; blue lines the trigger, the rollback and the permanent fix; small marks every configuration change.")
        if let (start, end) = span {
            let segments = segments(start: start, end: end)
            if segments.count > 1, let window = segments.first(where: { !$0.compressed }) {
                let share = Int(((window.x1 - window.x0) / (width - left - right) * 100).rounded())
                var compressed: [String] = []
                if let before = segments.first, before.compressed { compressed.append("the \(MetricText.duration(milliseconds: before.to - before.from)) before") }
                if let after = segments.last, after.compressed { compressed.append("the \(MetricText.duration(milliseconds: after.to - after.from)) after") }
                sentences.append("The impact window, \(window.from.hourMinute)–\(window.to.hourMinute) UTC (\(chart.impactWindow?.fromBasis ?? "start") to \(chart.impactWindow?.throughBasis ?? "end")), is shaded and takes \(share)% of the width; \(compressed.joined(separator: " and ")) are compressed.")
            }
        }
        return sentences.joined(separator: " ")
    }

    func markerText(_ marker: PostmortemModel.ChartMarker) -> String {
        "\(SafeText.printable(marker.label)) \(marker.at.hourMinute)"
    }

    /// The label row of each marker: the first row whose last label ends before this one starts.
    func labelRows(_ markers: [PostmortemModel.ChartMarker], x: (Instant) -> Double) -> [Int] {
        var rowEnds: [Double] = []
        var rows: [Int] = []
        for marker in markers {
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

    /// A sentence for screen readers and for when the SVG cannot be shown (plain text).
    func description(start: Instant, end: Instant) -> String {
        var parts: [String] = ["From \(start.hourMinute) to \(end.hourMinute) UTC."]
        if let peak = errorLine.max(by: { $0.value < $1.value }) {
            parts.append("Error rate peaked at \(MetricText.percent(peak.value)) at \(peak.at.hourMinute) UTC.")
        }
        if let peak = trafficLine.max(by: { $0.value < $1.value }) {
            parts.append("Traffic peaked at \(MetricText.grouped(peak.value)) requests per second at \(peak.at.hourMinute) UTC.")
        }
        let named = chart.markers.filter { $0.kind != .change }
        if !named.isEmpty {
            parts.append("Marked: " + named.map { "\(SafeText.printable($0.label)) \($0.at.hourMinute)" }.joined(separator: ", ") + ".")
        }
        let changes = chart.markers.filter { $0.kind == .change }.count
        if changes > 0 { parts.append("\(changes) configuration change\(changes == 1 ? "" : "s").") }
        return parts.joined(separator: " ")
    }

    /// The smallest multiple of `step` at or after `value`.
    static func ceilingMultiple(_ value: Int64, _ step: Int64) -> Int64 {
        let (quotient, remainder) = value.floorDivided(by: step)
        return (remainder == 0 ? quotient : quotient + 1) * step
    }

    /// An axis label: `0%`, `3%`, `1.5%`, `0.25%`.
    static func axisPercent(_ fraction: Double) -> String {
        let value = fraction * 100
        return MetricText.decimal(value, places: value < 1 ? 2 : 1) + "%"
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
