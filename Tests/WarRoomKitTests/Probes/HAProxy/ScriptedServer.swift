import Foundation
import WarRoomTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP server on loopback that is not HAProxy: it reads a command line and answers with
/// fixed bytes, or says nothing at all, so tests can check what the client makes of it.
final class ScriptedServer: Sendable {
    let port: Int
    private let listener: Int32

    /// - Parameter answer: the bytes to send after the first line, or `nil` to stay silent
    ///   until the client hangs up.
    init(answer: [UInt8]?) throws {
        let fd = socket(AF_INET, HAProxyFixture.streamType, 0)
        var address = HAProxyFixture.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 8) == 0 else { throw HAProxyFixture.Failure.socket("scripted server: \(String(cString: strerror(errno)))") }
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        Thread {
            while true {
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { break }
                HAProxyFixture.setReceiveTimeout(connection, seconds: 5)
                var byte: UInt8 = 0
                while read(connection, &byte, 1) == 1, byte != UInt8(ascii: "\n") {}
                if let answer {
                    try? HAProxyFixture.writeAll(connection, answer)
                } else {
                    while read(connection, &byte, 1) == 1 {}
                }
                close(connection)
            }
            close(fd)
        }.start()
    }

    /// Stops accepting; the serving thread closes the listener as it leaves.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }
}
