/// The words after a command's name. Free text runs to the end of the line (no quoting);
/// `--name VALUE` options may appear anywhere and are taken out before the text is read.
public struct Arguments: Sendable {
    /// The text after the command word, as typed.
    public let raw: String
    private var tokens: [(range: Range<String.Index>, text: Substring)]
    private var removed: [Range<String.Index>] = []

    public init(_ raw: String) {
        self.raw = raw
        var tokens: [(Range<String.Index>, Substring)] = []
        var index = raw.startIndex
        while index < raw.endIndex {
            while index < raw.endIndex, raw[index] == " " || raw[index] == "\t" { index = raw.index(after: index) }
            guard index < raw.endIndex else { break }
            let start = index
            while index < raw.endIndex, raw[index] != " ", raw[index] != "\t" { index = raw.index(after: index) }
            tokens.append((start..<index, raw[start..<index]))
        }
        self.tokens = tokens
    }

    /// Remaining words.
    public var words: [String] { tokens.map { String($0.text) } }
    public var isEmpty: Bool { tokens.isEmpty }

    /// Takes `--name VALUE` out of the arguments.
    /// - Returns: the value, or `nil` when the option is absent.
    /// - Throws: `CommandError.usage` when the option has no value.
    public mutating func option(_ name: String, usage: String) throws -> String? {
        guard let index = tokens.firstIndex(where: { $0.text == name }) else {
            if let index = tokens.firstIndex(where: { $0.text.hasPrefix(name + "=") }) {
                let value = String(tokens[index].text.dropFirst(name.count + 1))
                removed.append(tokens[index].range)
                tokens.remove(at: index)
                guard !value.isEmpty else { throw CommandError.usage(usage, "'\(name)' needs a value") }
                return value
            }
            return nil
        }
        guard index + 1 < tokens.count else { throw CommandError.usage(usage, "'\(name)' needs a value") }
        let value = String(tokens[index + 1].text)
        removed.append(tokens[index].range)
        removed.append(tokens[index + 1].range)
        tokens.removeSubrange(index...(index + 1))
        return value
    }

    /// Takes a `--name` flag (an option without a value) out of the arguments.
    /// - Returns: whether it was there.
    public mutating func flag(_ name: String) -> Bool {
        guard let index = tokens.firstIndex(where: { $0.text == name }) else { return false }
        removed.append(tokens[index].range)
        tokens.remove(at: index)
        return true
    }

    /// Takes the first word.
    public mutating func first() -> String? {
        guard !tokens.isEmpty else { return nil }
        removed.append(tokens[0].range)
        return String(tokens.removeFirst().text)
    }

    /// Takes the first word, or throws the usage when there is none.
    public mutating func require(_ what: String, usage: String) throws -> String {
        guard let word = first() else { throw CommandError.usage(usage, "missing \(what)") }
        return word
    }

    /// Everything not yet taken, with its original spacing, trimmed at both ends.
    public var rest: String {
        guard let firstToken = tokens.first, let lastToken = tokens.last else { return "" }
        var text = ""
        var cursor = firstToken.range.lowerBound
        for range in removed.sorted(by: { $0.lowerBound < $1.lowerBound }) where range.lowerBound >= cursor && range.upperBound <= lastToken.range.upperBound {
            text += raw[cursor..<range.lowerBound]
            cursor = range.upperBound
        }
        text += raw[cursor..<lastToken.range.upperBound]
        return collapseRemovedGaps(text)
    }

    /// Removing an option from the middle of text leaves two spaces; keep the rest as typed.
    private func collapseRemovedGaps(_ text: String) -> String {
        guard !removed.isEmpty else { return text }
        var result = ""
        var previousSpace = false
        for character in text {
            let space = character == " "
            if space && previousSpace { continue }
            result.append(character)
            previousSpace = space
        }
        return result.trimmed(of: " \t")
    }

    /// Fails when words remain that the command does not take.
    public func expectEnd(usage: String) throws {
        if let extra = tokens.first { throw CommandError.usage(usage, "unexpected '\(extra.text)'") }
    }
}

extension String {
    func trimmed(of set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
