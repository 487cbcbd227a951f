/// Writes a postmortem in any of its formats, all from the one model.
public enum PostmortemRenderer {
    /// Renders the postmortem.
    ///
    /// The output depends on the model alone (no clock, no environment), so regenerating a
    /// postmortem from the same transcript gives the same bytes.
    /// - Parameters:
    ///   - model: the compiled postmortem.
    ///   - format: Markdown, JSON or HTML.
    ///   - appendix: include the Appendix after the body (Markdown and HTML; the JSON form
    ///     always holds everything).
    /// - Returns: the document, ending in a newline.
    public static func render(_ model: PostmortemModel, format: PostmortemFormat, appendix: Bool = true) -> String {
        TextPieces.joined { write(model, format: format, appendix: appendix, into: $0) }
    }

    /// Renders the postmortem into a file, a piece at a time, replacing the file whole only
    /// once every piece is written (`PrivateFile.replace`).
    /// - Parameters:
    ///   - model: the compiled postmortem.
    ///   - format: Markdown, JSON or HTML.
    ///   - appendix: include the Appendix (Markdown and HTML).
    ///   - path: the file to write.
    /// - Throws: `PrivateFileError`; the file is left as it was.
    public static func write(_ model: PostmortemModel, format: PostmortemFormat, appendix: Bool = true, toFile path: String) throws(PrivateFileError) {
        try PrivateFile.replace(path) { fd in
            var failure: Int32?
            write(model, format: format, appendix: appendix) { piece in
                if failure == nil { failure = PrivateFile.writeAll(piece, to: fd) }
            }
            return failure
        }
    }

    /// Renders the postmortem a piece at a time, for a file or a pipe: each piece (64 KiB or
    /// so) is handed to `emit` as UTF-8 as it is made, so the document is never held whole. The
    /// pieces joined are `render(model, format:appendix:)`.
    /// - Parameters:
    ///   - model: the compiled postmortem.
    ///   - format: Markdown, JSON or HTML.
    ///   - appendix: include the Appendix (Markdown and HTML).
    ///   - emit: takes each piece in turn.
    public static func write(_ model: PostmortemModel, format: PostmortemFormat, appendix: Bool = true, into emit: ([UInt8]) -> Void) {
        switch format {
        case .markdown: PostmortemMarkdown(document: PostmortemDocument(model, appendix: appendix)).render(into: emit)
        case .json: model.writeJSON(into: emit)
        case .html: PostmortemHTML(model: model, document: PostmortemDocument(model, appendix: appendix)).render(into: emit)
        }
    }
}

extension PostmortemModel {
    /// The number of words in the body (the title block to Lessons Learned, not the warnings
    /// or the Appendix), as `--check --words` counts them: runs of non-space characters with
    /// a letter or a digit, the same whatever the format.
    public var bodyWordCount: Int {
        PostmortemDocument(self, appendix: false).bodyWordCount
    }
}
