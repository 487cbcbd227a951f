/// Writes a postmortem in any of its formats, all from the one model.
public enum PostmortemRenderer {
    /// Renders the postmortem.
    ///
    /// The output depends on the model alone (no clock, no environment), so regenerating a
    /// postmortem from the same transcript gives the same bytes.
    /// - Parameters:
    ///   - model: the compiled postmortem.
    ///   - format: Markdown, JSON or HTML.
    /// - Returns: the document, ending in a newline.
    public static func render(_ model: PostmortemModel, format: PostmortemFormat) -> String {
        switch format {
        case .markdown: return PostmortemMarkdown(model).document()
        case .json: return model.jsonValue.prettyPrinted()
        case .html: return PostmortemHTML(model: model).render()
        }
    }
}
