import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension UUID {
    /// A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids made this
    /// way sort by creation time, so lists can be ordered and paged by id alone.
    public static func v7(now: Date = Date()) -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        // The random bits from glibc's arc4random (ChaCha20 seeded by the kernel): no system call
        // per id (`SystemRandomNumberGenerator` makes one getrandom call per draw).
        bytes.withUnsafeMutableBytes { buffer in arc4random_buf(buffer.baseAddress! + 6, 10) }
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
