/// The options a probe or an `lb` view takes after its words: `--window D` (the span its rates
/// cover, 60s by default) and `--all` (list every server instead of folding identical rows).
struct ProbeOptions: Equatable {
    /// The words that are not options (`probe backend NAME`'s name).
    var words: [String] = []
    var windowSeconds = ProbeWindow.defaultSeconds
    /// Whether `--window` was given.
    var windowGiven = false
    var all = false
    /// `--show-query`: print the queries a probe read from a metrics backend.
    var showQuery = false

    /// Reads `--window D` (or `--window=D`) and `--all` anywhere among `arguments`.
    /// - Parameters:
    ///   - arguments: the words after the probe kind or `lb` subcommand.
    ///   - usage: the usage line, for an unknown option.
    /// - Throws: `ConsoleError.badWindow`, `ConsoleError.unknownOption`.
    init(_ arguments: [String], usage: String, longestSeconds: Int = ProbeWindow.longestSeconds) throws {
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if word == "--all" {
                all = true
            } else if word == "--show-query" {
                showQuery = true
            } else if word == "--window" || word.hasPrefix("--window=") {
                let value: String
                if word == "--window" {
                    guard index < arguments.count else { throw ConsoleError.badWindow("", longestSeconds: longestSeconds) }
                    value = arguments[index]
                    index += 1
                } else {
                    value = String(word.dropFirst("--window=".count))
                }
                guard let ms = DurationText.wholeMilliseconds(value), ms >= 1000, ms <= Int64(longestSeconds) * 1000 else {
                    throw ConsoleError.badWindow(value, longestSeconds: longestSeconds)
                }
                windowSeconds = Int(ms / 1000)
                windowGiven = true
            } else if word.hasPrefix("--") {
                throw ConsoleError.unknownOption(word, usage: usage)
            } else {
                words.append(word)
            }
        }
    }
}
