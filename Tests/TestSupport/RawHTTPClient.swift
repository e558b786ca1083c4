import Dispatch
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A client as plain as a socket: sends a request head and as much body as it is told to, the
/// way a simple client does (all of it before reading anything), then reads what comes back.
/// For what HTTP client libraries hide: an answer that arrives before the upload ended, a server
/// that closes the connection.
public enum RawHTTPClient {
    public struct Exchange: Sendable {
        /// Body bytes the server took before the connection broke (all of them if it never did).
        public var bodyBytesSent: Int
        /// What came back, as text.
        public var received: String
        /// Whether the server closed the connection (EOF or a reset) within the read timeout.
        public var closed: Bool

        public var status: Int? {
            let parts = received.split(separator: " ", maxSplits: 2)
            return parts.count > 1 ? Int(parts[1]) : nil
        }
    }

    /// Sends `head` (CRLF line endings added) and then `bodyBytes` bytes of `x`, then reads until
    /// the server closes the connection or `readTimeout` passes without a byte.
    public static func exchange(
        port: Int, head: [String], bodyBytes: Int, readTimeout: Duration = .seconds(5)
    ) async throws -> Exchange {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { try run(port: port, head: head, bodyBytes: bodyBytes, readTimeout: readTimeout) })
            }
        }
    }

    private static func run(port: Int, head: [String], bodyBytes: Int, readTimeout: Duration) throws -> Exchange {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestInfrastructureError("socket() failed") }
        defer { close(fd) }
        var timeout = timeval(
            tv_sec: Int(readTimeout.components.seconds),
            tv_usec: Int(readTimeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw TestInfrastructureError("could not connect to 127.0.0.1:\(port)") }

        func sendAll(_ bytes: [UInt8]) -> Int {
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { return offset }
                offset += sent
            }
            return offset
        }
        _ = sendAll(Array((head.joined(separator: "\r\n") + "\r\n\r\n").utf8))
        var sentBody = 0
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
        while sentBody < bodyBytes {
            let piece = Array(chunk.prefix(bodyBytes - sentBody))
            let sent = sendAll(piece)
            sentBody += sent
            if sent < piece.count { break }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var closed = false
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer.prefix(count)
            } else {
                // 0: the server closed; an error: a reset (closed too) or the read timeout (not).
                closed = count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
                break
            }
        }
        return Exchange(bodyBytesSent: sentBody, received: String(decoding: received, as: UTF8.self), closed: closed)
    }
}
