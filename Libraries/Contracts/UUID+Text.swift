import Foundation

extension UUID {
    /// The canonical text in lowercase (`8-4-4-4-12` hex digits): how ids travel in headers,
    /// subjects and answers. Written from the bytes; Foundation's `uuidString` formats each byte
    /// with `snprintf` (about 1 % of the gateway's CPU per call, for the few ids each call writes).
    public var lowercasedString: String { text(letters: UInt8(ascii: "a")) }

    /// Foundation's `uuidString` (uppercase), written from the bytes.
    public var uppercasedString: String { text(letters: UInt8(ascii: "A")) }

    private func text(letters: UInt8) -> String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { buffer in
                var index = 0
                for (offset, byte) in bytes.enumerated() {
                    if offset == 4 || offset == 6 || offset == 8 || offset == 10 {
                        buffer[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    buffer[index] = digit(byte >> 4, letters)
                    buffer[index + 1] = digit(byte & 0x0F, letters)
                    index += 2
                }
                return index
            }
        }
    }

    private func digit(_ nibble: UInt8, _ letters: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : letters + nibble - 10
    }

    /// Parses the canonical text (`8-4-4-4-12` hex digits, either case), as `UUID(uuidString:)`
    /// does, without its `sscanf`; nil for anything else (no spaces, signs or braces).
    public init?(parsing text: some StringProtocol) {
        let parsed =
            text.utf8.withContiguousStorageIfAvailable(Self.parse)
            ?? Array(text.utf8).withUnsafeBufferPointer(Self.parse)
        guard let parsed else { return nil }
        self.init(uuid: parsed)
    }

    private static func parse(_ text: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        guard text.count == 36 else { return nil }
        var parsed: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let complete = withUnsafeMutableBytes(of: &parsed) { bytes in
            var index = 0
            for offset in 0..<16 {
                if offset == 4 || offset == 6 || offset == 8 || offset == 10 {
                    guard text[index] == UInt8(ascii: "-") else { return false }
                    index += 1
                }
                guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return false }
                bytes[offset] = high << 4 | low
                index += 2
            }
            return true
        }
        return complete ? parsed : nil
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
