/// An alert as the transcript records it: a rule that fired, or that resolved.
public struct AlertRecord: Sendable, Equatable {
    /// The rule's name (`MessagingErrorRate`).
    public var name: String
    /// `true` when it fired, `false` when it resolved.
    public var firing: Bool
    /// When it fired (the condition had held for the rule's `for`) or resolved.
    public var at: Instant
    /// When the condition began to hold (for a firing alert).
    public var since: Instant?
    /// The metric, as a probe names it (`errors.error_rate`).
    public var metric: String
    /// Its value when the alert fired or resolved.
    public var value: Double?
    public var seq: Int

    /// The record an `alert` entry holds; `nil` for an entry that is not a well-formed alert.
    public init?(entry: TranscriptEntry) {
        guard entry.kind == .alert, let name = entry.data["alert"]?.stringValue, let state = entry.data["state"]?.stringValue,
            state == "firing" || state == "resolved"
        else { return nil }
        self.name = name
        firing = state == "firing"
        at = entry.at
        since = entry.data["since"]?.stringValue.flatMap(Instant.parseISO8601)
        metric = entry.data["metric"]?.stringValue ?? ""
        value = entry.data["value"]?.doubleValue
        seq = entry.seq
    }
}
