/// Writes a short ASCII string byte by byte into one buffer: no interpolation, no intermediate
/// strings. For text every call writes (a string built from pieces with `+=` and `String(Int)`
/// cost the proxy about half a microsecond a header).
public struct ASCIIWriter: ~Copyable {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    /// The bytes written so far.
    public private(set) var count = 0

    private init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

    /// The text `write` writes, at most `capacity` bytes (more is a programming error, stopped).
    public static func string(capacity: Int, _ write: (inout ASCIIWriter) -> Void) -> String {
        String(unsafeUninitializedCapacity: capacity) { buffer in
            var writer = ASCIIWriter(buffer)
            write(&writer)
            return writer.count
        }
    }

    public mutating func append(_ byte: UInt8) {
        precondition(count < buffer.count, "ASCIIWriter: capacity exceeded")
        buffer[count] = byte
        count += 1
    }

    public mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { for byte in $0 { append(byte) } }
    }

    public mutating func append(_ text: String) {
        for byte in text.utf8 { append(byte) }
    }

    /// `value` in decimal, with a `-` when negative.
    public mutating func append(decimal value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        // The magnitude's digits, last first, then reversed in place.
        var magnitude = value.magnitude
        let start = count
        repeat {
            append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        var (low, high) = (start, count - 1)
        while low < high {
            buffer.swapAt(low, high)
            low += 1
            high -= 1
        }
    }

    /// Room for ``append(decimal:)`` of any `Int64`.
    public static let decimalCapacity = 20
}
