import Crypto
import Foundation

/// Random tokens and their hashes. Tokens are high-entropy, so one SHA-256 is the right hash:
/// the database holds only hashes, and a lookup is by hash.
enum Secrets {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `prefix` + `length` random base62 characters (5.95 bits each).
    static func token(prefix: String, length: Int = 43) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        while bytes.count < length {
            // Rejection sampling keeps every character equally likely.
            let value = UInt8.random(in: 0...255, using: &generator)
            if value < 248 { bytes.append(alphabet[Int(value % 62)]) }
        }
        return prefix + String(decoding: bytes, as: UTF8.self)
    }

    /// The SHA-256 of a token, as 64 lowercase hex digits (what the database stores).
    static func sha256(_ text: String) -> String {
        hex(digest(text))
    }

    /// The SHA-256 digest of a token (what caches key on).
    static func digest(_ text: String) -> SHA256.Digest {
        var text = text
        return text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Compares two secrets without leaking where they differ (or their lengths).
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(SHA256.hash(data: Data(lhs.utf8)))
        let right = Array(SHA256.hash(data: Data(rhs.utf8)))
        var difference: UInt8 = 0
        for index in 0..<left.count { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
