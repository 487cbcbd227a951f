/// Small formatting helpers shared by the engine's messages.
enum PlaybookText {
    /// A threshold or metric value as a person writes it: `0.02`, `2`, `1500`, `0.3125`.
    static func number(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(value)
        if text.contains("e") { return text }
        // Four significant decimals are plenty for rates and milliseconds in a message.
        let rounded = (value * 10_000).rounded() / 10_000
        text = rounded == 0 ? String(value) : String(rounded)
        return text
    }

    /// `5m`, `1h 30m` for a timebox or interval.
    static func duration(_ milliseconds: Int64) -> String {
        DurationText.format(milliseconds: milliseconds)
    }

    /// How long something has run, to the second: `0s`, `45s`, `3m 20s`.
    static func elapsed(_ milliseconds: Int64) -> String {
        let whole = max(0, milliseconds) / 1000 * 1000
        return whole == 0 ? "0s" : DurationText.format(milliseconds: whole)
    }

    /// Indents every line of `text` by `spaces`.
    static func indent(_ text: String, by spaces: Int) -> String {
        let pad = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : pad + $0 }
            .joined(separator: "\n")
    }
}
