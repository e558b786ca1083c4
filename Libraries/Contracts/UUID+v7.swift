import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension UUID {
    /// A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids made this
    /// way sort by creation time, so lists can be ordered and paged by id alone.
    public static func v7(now: Date = Date()) -> UUID {
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { bytes in
            RandomPool.shared.fill(UnsafeMutableRawBufferPointer(rebasing: bytes[6...]))
            let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
            for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
            bytes[6] = 0x70 | (bytes[6] & 0x0F)
            bytes[8] = 0x80 | (bytes[8] & 0x3F)
        }
        return UUID(uuid: uuid)
    }
}

/// Random bytes from the kernel's CSPRNG, drawn 4 KiB at a time: glibc 2.36's `arc4random_buf`
/// (Debian 12) makes a `getrandom` system call for every draw, and ids are drawn on every call.
/// For identifiers, not for secrets (those draw from `SystemRandomNumberGenerator` directly).
final class RandomPool: Sendable {
    static let shared = RandomPool()
    private static let size = 4096

    private struct State {
        var bytes = [UInt8](repeating: 0, count: RandomPool.size)
        var used = RandomPool.size
    }

    private let state = Mutex(State())

    func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count <= Self.size)
        state.withLock { state in
            if state.used + buffer.count > Self.size {
                state.bytes.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
                state.used = 0
            }
            state.bytes.withUnsafeBytes { pool in
                buffer.copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: pool[state.used..<(state.used + buffer.count)]))
            }
            state.used += buffer.count
        }
    }
}
