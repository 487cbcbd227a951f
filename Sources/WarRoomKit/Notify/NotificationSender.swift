import Foundation

/// How a notification's bytes reach its receiver (HTTP POST, JSON), for the sender.
public protocol NotificationPosting: Sendable {
    /// One attempt, waiting at most `timeout` seconds. Never throws: a failure is the answer.
    func post(url: String, body: [UInt8], timeout: Double) -> PostAnswer
}

/// What one attempt came to.
public struct PostAnswer: Sendable, Equatable {
    /// The HTTP status, `nil` when there was no answer (refused, timed out …).
    public var status: Int?
    /// The receiver's answer (its first 200 characters), or why there was none; never a secret.
    public var said: String
    /// `Retry-After`, in seconds, when the receiver gave one.
    public var retryAfter: Double?

    public init(status: Int?, said: String, retryAfter: Double? = nil) {
        self.status = status
        self.said = said
        self.retryAfter = retryAfter
    }
}

/// Delivers notifications in the background, never holding up the prompt: each notification
/// on a thread of its own, attempt after attempt (a 429 waits its `Retry-After`, a 5xx or a
/// timeout backs off, doubling; any other 4xx is final), each attempt's result handed to the
/// session through `takeResults()` to be recorded as a `delivery` entry (a shell waiting at its
/// prompt takes them on its next idle tick).
public final class NotificationSender: @unchecked Sendable {
    /// One attempt's result, to record.
    public struct Result: Sendable {
        public var notify: Int
        public var attempt: Int
        /// `delivered`, `retrying` (another attempt follows) or `failed` (no more).
        public var outcome: String
        public var answer: PostAnswer
        /// When the next attempt goes, for `retrying`.
        public var retryIn: Double?
    }

    let config: NotifyConfig
    let poster: any NotificationPosting
    private let condition = NSCondition()
    private var results: [Result] = []
    private var running = 0
    /// The notifications being delivered, by seq.
    private var inFlight: Set<Int> = []
    /// Per dedup key, the order in which its notifications go.
    private var keyQueue: [String: [Int]] = [:]
    private var sequence = 0
    private var stopping = false

    public init(config: NotifyConfig, poster: any NotificationPosting) {
        self.config = config
        self.poster = poster
    }

    /// The secret parts of a receiver: its routing key, its URL, and each long part of the URL's
    /// path (a Slack webhook's tokens), which a receiver may quote back in its answer.
    func secrets(of record: NotificationRecord) -> [String] {
        var secrets: [String] = []
        switch record.channel {
        case "pagerduty": secrets += config.pagerDuty.filter { $0.team == record.target }.map(\.routingKey.value)
        case "slack": secrets += config.slack.filter { $0.name == record.target }.map(\.url.value)
        case "webhook": secrets += config.webhooks.filter { $0.name == record.target && $0.url.origin != "url" }.map(\.url.value)
        default: break
        }
        for url in secrets where url.contains("://") {
            secrets += url.split(separator: "/").dropFirst(2).map(String.init).filter { $0.count >= 8 }
        }
        return secrets.sorted { $0.count > $1.count }
    }

    /// Where the notification goes and with what bytes: the recorded body with the secret put in.
    /// - Returns: `nil` when the notify file no longer names its receiver.
    func destination(of record: NotificationRecord) -> (url: String, body: [UInt8])? {
        var body = record.body
        switch record.channel {
        case "pagerduty":
            guard let service = config.pagerDuty.first(where: { $0.team == record.target }) else { return nil }
            body = JSONObject([JSONMember("routing_key", .string(service.routingKey.value))] + body.members)
            return (service.url, Array(JSONValue.object(body).serialized().utf8))
        case "slack":
            guard let hook = config.slack.first(where: { $0.name == record.target }) else { return nil }
            return (hook.url.value, Array(JSONValue.object(body).serialized().utf8))
        case "webhook":
            guard let hook = config.webhooks.first(where: { $0.name == record.target }) else { return nil }
            return (hook.url.value, Array(JSONValue.object(body).serialized().utf8))
        default:
            return nil
        }
    }

    /// Starts delivering a notification, after the attempts the record shows were made.
    /// - Returns: `false` when the notify file names no such receiver (nothing is sent).
    @discardableResult
    public func send(_ record: NotificationRecord) -> Bool {
        guard let (url, body) = destination(of: record) else { return false }
        let secrets = secrets(of: record)
        condition.lock()
        // Sent once at a time by this shell.
        guard !inFlight.contains(record.seq) else {
            condition.unlock()
            return true
        }
        inFlight.insert(record.seq)
        running += 1
        let key = record.dedupKey
        let order = sequence
        sequence += 1
        if let key { keyQueue[key, default: []].append(order) }
        condition.unlock()
        let thread = Thread { [self] in
            // One PagerDuty incident's events go in the order they were asked for: a resolve
            // never overtakes its trigger.
            var behind = false
            if let key {
                condition.lock()
                while keyQueue[key, default: []].first.map({ $0 != order }) ?? false, !stopping { condition.wait() }
                // Still behind another of its incident's events as the shell leaves: no attempt
                // now (a resolve must not go before its trigger); another shell sends it.
                behind = keyQueue[key, default: []].first.map { $0 != order } ?? false
                condition.unlock()
            }
            if !(behind && isStopping) { deliver(seq: record.seq, url: url, body: body, after: record.attempts, secrets: secrets) }
            condition.lock()
            running -= 1
            inFlight.remove(record.seq)
            if let key { keyQueue[key]?.removeAll { $0 == order } }
            condition.broadcast()
            condition.unlock()
        }

        thread.start()
        return true
    }

    private func deliver(seq: Int, url: String, body: [UInt8], after made: Int, secrets: [String]) {
        var attempt = made
        var wait = config.backoffSeconds * pow(2, Double(max(0, made)))
        while true {
            attempt += 1
            var answer = poster.post(url: url, body: body, timeout: config.timeoutSeconds)
            for secret in secrets where answer.said.contains(secret) { answer.said = answer.said.replacingOccurrences(of: secret, with: "***") }
            // Cut after the secrets are cleared, so that none is cut in half and kept.
            answer.said = String(answer.said.prefix(200))
            let status = answer.status ?? 0
            let delivered = (200..<300).contains(status)
            let retryable = answer.status == nil || status == 429 || status >= 500 || status == 408
            let last = attempt >= made + config.attempts || !retryable || delivered
            var delay = min(wait, config.maximumBackoffSeconds)
            if status == 429, let after = answer.retryAfter { delay = min(max(after, 0), config.maximumBackoffSeconds) }
            post(Result(notify: seq, attempt: attempt, outcome: delivered ? "delivered" : last ? "failed" : "retrying", answer: answer,
                        retryIn: last ? nil : delay))
            if last { return }
            condition.lock()
            let deadline = Date().addingTimeInterval(delay)
            while !stopping, Date() < deadline { _ = condition.wait(until: deadline) }
            let stop = stopping
            condition.unlock()
            // Leaving: the rest is retried from the record by the next shell.
            if stop { return }
            wait *= 2
        }
    }

    private func post(_ result: Result) {
        condition.lock()
        results.append(result)
        condition.broadcast()
        condition.unlock()
    }

    /// The attempts that ended since the last call, in order.
    public func takeResults() -> [Result] {
        condition.lock()
        defer { condition.unlock() }
        let taken = results
        results = []
        return taken
    }

    /// Whether the notify file names the notification's receiver.
    public func canSend(_ record: NotificationRecord) -> Bool {
        destination(of: record) != nil
    }

    /// Whether this sender is delivering the notification `seq` now.
    public func isSending(_ seq: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return inFlight.contains(seq)
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Whether a notification is still being delivered.
    public var isBusy: Bool {
        condition.lock()
        defer { condition.unlock() }
        return running > 0
    }

    /// Waits until every notification's attempts have ended, or `seconds` have passed.
    /// - Returns: whether they all ended.
    @discardableResult
    public func waitUntilIdle(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while running > 0, Date() < deadline { _ = condition.wait(until: deadline) }
        return running == 0
    }

    /// Lets attempts go on again after a `stop` whose leaving did not happen (a `quit` refused).
    public func resumeSending() {
        condition.lock()
        stopping = false
        condition.unlock()
    }

    /// Stops waiting between attempts (the shell is leaving): an attempt under way ends, no new
    /// one starts. What is not delivered is retried from the record by the next shell.
    public func stop(waiting seconds: Double) {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        waitUntilIdle(seconds: seconds)
    }
}
