/// The forms a postmortem can be written in.
public enum PostmortemFormat: String, Sendable, CaseIterable {
    /// CommonMark with GitHub-flavoured tables; the default.
    case markdown
    /// Indented JSON with the keys of the product contract; see `Playbooks/schema/postmortem.schema.json`.
    case json
    /// One self-contained HTML file with an inline SVG chart.
    case html

    /// The usual file extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .markdown: return "md"
        case .json: return "json"
        case .html: return "html"
        }
    }

    /// The format for a name as typed (`markdown`, `md`, `json`, `html`), or `nil`.
    public init?(name: String) {
        switch name.lowercased() {
        case "markdown", "md": self = .markdown
        case "json": self = .json
        case "html", "htm": self = .html
        default: return nil
        }
    }
}
