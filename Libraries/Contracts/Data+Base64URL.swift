import Foundation

extension Data {
    /// Base64url without padding (RFC 4648 §5): cursors and tokens that sit in URLs and headers.
    public var base64URLEncodedString: String { Base64URL.encode(self) }

    /// Reads base64url, padded or not; nil for anything else.
    public init?(base64URLEncoded text: some StringProtocol) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 3)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-"): bytes.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): bytes.append(UInt8(ascii: "/"))
            case UInt8(ascii: "+"), UInt8(ascii: "/"), 0x80...: return nil
            default: bytes.append(byte)
            }
        }
        bytes += [UInt8](repeating: UInt8(ascii: "="), count: (4 - bytes.count % 4) % 4)
        self.init(base64Encoded: Data(bytes))
    }
}

/// Base64url written straight from the bytes, three at a time (a release ticket is signed on
/// every proxied call: Foundation's base64 and a translation pass after it cost twice this).
enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        let count = bytes.count
        return String(unsafeUninitializedCapacity: (count * 4 + 2) / 3) { output in
            var written = 0
            var iterator = bytes.makeIterator()
            while let first = iterator.next() {
                let second = iterator.next()
                let third = iterator.next()
                let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
                let characters = second == nil ? 2 : third == nil ? 3 : 4
                for index in 0..<characters {
                    output[written] = alphabet[Int(group >> (18 - 6 * UInt32(index)) & 0x3F)]
                    written += 1
                }
            }
            return written
        }
    }
}
