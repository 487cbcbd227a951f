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
        switch format {
        case .markdown: return PostmortemMarkdown(document: PostmortemDocument(model, appendix: appendix)).render()
        case .json: return model.jsonValue.prettyPrinted()
        case .html: return PostmortemHTML(model: model, document: PostmortemDocument(model, appendix: appendix)).render()
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
