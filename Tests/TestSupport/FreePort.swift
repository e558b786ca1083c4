#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Loopback TCP helpers for test servers: free ports and readiness checks.
public enum Loopback {
    /// A port the kernel just handed out for 127.0.0.1 (bound, read back, released).
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0, "socket() failed")
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        precondition(bound, "binding a loopback port failed")
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// True when something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Waits until `port` accepts connections, or throws after `timeout`.
    public static func waitUntilListening(_ port: Int, timeout: Duration = .seconds(10), what: String) async throws {
        let deadline = ContinuousClock.now + timeout
        while !isListening(port) {
            guard ContinuousClock.now < deadline else {
                throw TestInfrastructureError("\(what) did not listen on \(port)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

public struct TestInfrastructureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
