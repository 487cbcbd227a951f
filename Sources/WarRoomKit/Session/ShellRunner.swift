import Foundation

/// Runs a system shell command for `!COMMAND`: `/bin/sh -c`, stdin from /dev/null, stdout and
/// stderr captured together, killed at the timeout, output kept up to a cap.
public enum ShellRunner {
    /// How long a command may run and how much of its output is kept.
    public struct Limits: Sendable {
        public var timeoutSeconds: Double = 30
        public var outputCapBytes: Int = 65_536

        public init(timeoutSeconds: Double = 30, outputCapBytes: Int = 65_536) {
            self.timeoutSeconds = timeoutSeconds
            self.outputCapBytes = outputCapBytes
        }
    }

    /// What a command did.
    public struct Outcome: Sendable, Equatable {
        public var output: String
        public var exitCode: Int32?
        public var timedOut: Bool
        public var truncated: Bool
        public var outputBytes: Int
    }

    /// Runs `command` and waits for it (or for the timeout).
    /// - Throws: when the shell cannot be started.
    public static func run(_ command: String, limits: Limits) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        let fd = pipe.fileHandleForReading.fileDescriptor
        try? pipe.fileHandleForWriting.close()
        var kept: [UInt8] = []
        var total = 0
        var timedOut = false
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(limits.timeoutSeconds * 1e9)
        var buffer = [UInt8](repeating: 0, count: 16384)
        reading: while true {
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline {
                timedOut = true
                break
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let wait = Int32(min(250, (deadline - now) / 1_000_000 + 1))
            let ready = poll(&descriptor, 1, wait)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                break reading
            }
            if count == 0 { break }
            total += count
            if kept.count < limits.outputCapBytes {
                kept.append(contentsOf: buffer[0..<min(count, limits.outputCapBytes - kept.count)])
            }
        }
        if timedOut {
            process.terminate()
            let graceEnd = DispatchTime.now().uptimeNanoseconds + 1_000_000_000
            while process.isRunning, DispatchTime.now().uptimeNanoseconds < graceEnd { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return Outcome(output: String(decoding: kept, as: UTF8.self), exitCode: timedOut ? nil : process.terminationStatus,
                       timedOut: timedOut, truncated: total > kept.count, outputBytes: total)
    }
}
