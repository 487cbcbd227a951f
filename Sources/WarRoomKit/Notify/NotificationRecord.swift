/// A notification as the record tells it: the `notify` entry that asked for it, and the
/// `delivery` entries of its attempts.
public struct NotificationRecord: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// No attempt has ended it yet (in flight, or its shell went away).
        case pending
        case delivered
        /// The receiver refused it for good, or the last attempt failed.
        case failed
    }

    public var seq: Int
    public var at: Instant
    public var by: String
    /// `pagerduty`, `slack`, `webhook`.
    public var channel: String
    /// The PagerDuty team, or the receiver's name (`slack[1]`).
    public var target: String
    public var event: String
    /// `trigger` or `resolve` (PagerDuty).
    public var action: String?
    public var dedupKey: String?
    /// The shell that asked for it, in a room.
    public var shell: Int?
    /// The shell whose job it is to deliver it: the one that asked, or the last to take it over
    /// (a `delivery` entry claiming it) when that one had gone.
    public var owner: Int?
    public var text: String
    /// What is sent (without the secret).
    public var body: JSONObject
    public var attempts = 0
    public var outcome = Outcome.pending
    /// What the last attempt came to: the receiver's status and answer, or why there was none.
    public var lastResult: String?

    init(entry: TranscriptEntry) {
        seq = entry.seq
        at = entry.at
        by = entry.by
        channel = entry.data["channel"]?.stringValue ?? ""
        target = entry.data["target"]?.stringValue ?? ""
        event = entry.data["event"]?.stringValue ?? ""
        action = entry.data["action"]?.stringValue
        dedupKey = entry.data["dedup_key"]?.stringValue
        shell = entry.data["shell"]?.intValue
        owner = shell
        text = entry.text
        body = entry.data["body"]?.objectValue ?? [:]
    }

    mutating func apply(_ delivery: TranscriptEntry) {
        if delivery.data["outcome"] == "claimed" {
            owner = delivery.data["shell"]?.intValue
            return
        }
        attempts = max(attempts, delivery.data["attempt"]?.intValue ?? attempts + 1)
        switch delivery.data["outcome"]?.stringValue {
        case "delivered": outcome = .delivered
        case "failed": outcome = .failed
        default: break
        }
        lastResult = delivery.text
    }
}
