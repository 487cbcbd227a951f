/// Shortens what responders wrote for the postmortem's body, which a team reads in a few
/// minutes; the Appendix and the JSON keep every word.
///
/// A text is cut at the end of its first clause (`. `, `: `, `; `, ` — `) when that clause has
/// at least three words, then to a number of words (a clause at most two words longer is kept
/// whole; a cut ends on a content word, never on `the`, `to` or `since`), with `…` where words
/// were dropped.
public enum BriefText {
    /// The text in at most `words` words, on one line: its first clause when that has at
    /// least three words.
    /// - Parameters:
    ///   - text: what was recorded.
    ///   - words: the most words to keep.
    /// - Returns: the lead clause, or its first `words` words followed by `…`.
    public static func brief(_ text: String, words limit: Int) -> String {
        brief(text, words: limit, shortestLead: 3)
    }

    /// The text in at most `words` words, on one line.
    /// - Parameters:
    ///   - text: what was recorded.
    ///   - words: the most words to keep.
    ///   - shortestLead: the fewest words a first clause may have to stand for the whole
    ///     (`DDoS: a flood of traffic …` is `DDoS` when this is 1).
    public static func brief(_ text: String, words limit: Int, shortestLead: Int) -> String {
        let flat = SafeText.printable(text).split(whereSeparator: { $0 == " " }).joined(separator: " ")
        var lead = Substring(flat)
        for boundary in leadBoundaries(in: flat) {
            let candidate = flat[..<boundary]
            if wordCount(candidate) >= shortestLead {
                lead = candidate
                break
            }
        }
        let words = lead.split(separator: " ")
        // A clause two words over is kept whole rather than cut just short of its end.
        guard words.count > limit + 2 else { return String(lead) }
        var kept = Array(words.prefix(max(1, limit)))
        // Cut where a phrase ends, not on `the`, `to` or `since` (`…changes to the…`).
        while kept.count > 1, let last = kept.last, joiningWords.contains(last.lowercased().trimmingCharacters(in: .punctuationCharacters)) {
            kept.removeLast()
        }
        var text = kept.joined(separator: " ")
        while let last = text.last, ",;:—–-(".contains(last) { text.removeLast() }
        return text.trimmingTrailingSpaces + "…"
    }

    /// Words a cut phrase must not end on: articles, prepositions, conjunctions.
    static let joiningWords: Set<String> = [
        "a", "an", "the", "to", "of", "for", "and", "or", "but", "with", "in", "on", "at", "by", "from", "since", "about", "before",
        "after", "into", "onto", "over", "under", "than", "that", "which", "when", "while", "as", "its", "their", "our", "is", "are", "was", "were",
    ]

    /// Where a first clause may end: before `. `, `: `, `; `, ` — ` and ` – `, in order.
    static func leadBoundaries(in text: String) -> [String.Index] {
        var result: [String.Index] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            let character = text[index]
            if ".:;".contains(character), next < text.endIndex, text[next] == " " {
                // `v1.2 ` or `3.5 ` are numbers, not the end of a sentence.
                let before = index > text.startIndex ? text[text.index(before: index)] : " "
                if character != "." || !before.isNumber { result.append(character == "." ? next : index) }
            } else if character == " ", next < text.endIndex, "—–".contains(text[next]) {
                result.append(index)
            }
            index = next
        }
        return result
    }

    /// Words as a reader counts them: runs of non-space characters with a letter or a digit.
    public static func wordCount(_ text: some StringProtocol) -> Int {
        var count = 0
        var inWord = false
        var counted = false
        for scalar in text.unicodeScalars {
            if scalar == " " || scalar == "\n" || scalar == "\t" {
                inWord = false
                continue
            }
            if !inWord {
                inWord = true
                counted = false
            }
            if !counted, scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                count += 1
                counted = true
            }
        }
        return count
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
