/// The answer to `get weight BACKEND/SERVER`.
public struct HAProxyWeight: Sendable, Equatable {
    /// The weight in force now.
    public var current: Int
    /// The weight in the configuration file.
    public var initial: Int

    public init(current: Int, initial: Int) {
        self.current = current
        self.initial = initial
    }

    /// Parses `70 (initial 50)`.
    /// - Returns: the weights, or `nil` when the text is not in that form.
    public static func parse(_ text: String) -> HAProxyWeight? {
        let words = text.split(whereSeparator: \.isWhitespace)
        guard words.count == 3, let current = Int(words[0]), words[1] == "(initial", words[2].hasSuffix(")"),
            let initial = Int(words[2].dropLast())
        else { return nil }
        return HAProxyWeight(current: current, initial: initial)
    }
}
