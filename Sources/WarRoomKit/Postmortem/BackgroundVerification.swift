import Dispatch

/// Checks a transcript's hash chain on another thread while its entries are decoded.
///
/// The check and the decoding are independent passes over the same bytes; run side by side
/// on two cores, the check costs almost nothing (it is about a third of a compile otherwise).
public final class BackgroundVerification: @unchecked Sendable {
    // Unchecked because `report` is mutable: the worker writes it exactly once, before it
    // signals `done`, and `wait()` reads it only after waiting on `done`, so the semaphore
    // orders every access.
    private var report: VerifyReport?
    private let done = DispatchSemaphore(value: 0)

    /// Starts checking `bytes`.
    public init(bytes: [UInt8]) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            report = TranscriptVerifier.verify(bytes: bytes)
            done.signal()
        }
    }

    /// The check's result, waiting for it if it is still running. Call once.
    public func wait() -> VerifyReport {
        done.wait()
        return report!
    }
}
