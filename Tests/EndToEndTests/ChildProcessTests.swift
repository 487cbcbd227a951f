import Foundation
import Testing
import WarRoomTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The harness every end-to-end test starts programs with: a program that hangs or leaves a
/// daemon behind must fail or finish its test, never stall the suite.
@Suite struct ChildProcessTests {
    @Test func aProgramThatDoesNotExitIsKilledWithItsGroupAndSaidSo() throws {
        let result = try ChildProcess.run("/bin/sh", ["-c", "sleep 60 & sleep 60"], environment: [:], seconds: 0.5)
        #expect(result.status == -1)
        #expect(result.stderr.contains("[killed by the test after 0.5 s: /bin/sh did not exit]"))
    }

    @Test func aDaemonLeftBehindHoldsNothingOfTheTests() throws {
        // The grandchild outlives the shell; it must not keep the output pipes (or anything
        // else) open, or reading to the end would wait for it.
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let pidFile = folder.file("daemon.pid")
        let result = try ChildProcess.run("/bin/sh", ["-c", "sleep 30 </dev/null >/dev/null 2>&1 & echo $! > \(pidFile); echo started"],
                                          environment: [:], seconds: 20)
        #expect(result.status == 0)
        #expect(result.stdout == "started\n")
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(pid, SIGKILL)
    }

    @Test func aGrandchildKeepingTheOutputOpenDelaysTheResultBoundedly() throws {
        // `sleep` inherits stdout and keeps it after the shell exits: the output the shell
        // wrote is still returned, a few seconds later, instead of waiting 30 s for the end.
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let pidFile = folder.file("grandchild.pid")
        let result = try ChildProcess.run("/bin/sh", ["-c", "sleep 30 & echo $! > \(pidFile); echo started"], environment: [:], seconds: 20)
        #expect(result.status == 0)
        #expect(result.stdout == "started\n")
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(pid, SIGKILL)
    }

    @Test func inputOutputAndStatusGoBothWays() throws {
        let result = try ChildProcess.run("/bin/sh", ["-c", "tr a-z A-Z; echo oops >&2; exit 3"], environment: [:], input: Array("hello\n".utf8))
        #expect(result.stdout == "HELLO\n")
        #expect(result.stderr == "oops\n")
        #expect(result.status == 3)
    }

    @Test func aProgramThatStopsReadingEndsTheInputWithoutKillingTheTest() throws {
        // 1 MiB into a program that reads nothing and exits: the write meets a closed pipe.
        let result = try ChildProcess.run("/bin/true", [], environment: [:], input: [UInt8](repeating: 0x61, count: 1 << 20))
        #expect(result.status == 0)
    }
}
