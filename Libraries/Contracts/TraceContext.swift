import Synchronization

/// A W3C Trace Context `traceparent` (`00-<trace id>-<parent span id>-<flags>`): the gateway
/// continues a client's trace (or starts one) and every hop sends a child of what it received, so
/// the gateway's, the services' and the provider's logs share one trace id.
public struct TraceContext: Sendable, Equatable {
    /// 32 lowercase hex digits, not all zero.
    public let traceID: String
    /// 16 lowercase hex digits, not all zero: the span that made the request.
    public let spanID: String
    /// `01`: sampled.
    public let flags: String

    /// Parses a `traceparent` value; nil when it is malformed (the spec: start a new trace then).
    public init?(header: String) {
        let bytes = Array(header.utf8)
        // version(2) - trace id(32) - span id(16) - flags(2), and more fields only after a newer version.
        guard bytes.count >= 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"),
            bytes[52] == UInt8(ascii: "-"),
            bytes.count == 55 || (bytes[55] == UInt8(ascii: "-") && bytes[0...1] != [48, 48]),
            Self.isHex(bytes[0..<2]), bytes[0...1] != [102, 102], Self.isHex(bytes[3..<35]), Self.isHex(bytes[36..<52]),
            Self.isHex(bytes[53..<55]), bytes[3..<35].contains(where: { $0 != 48 }),
            bytes[36..<52].contains(where: { $0 != 48 })
        else { return nil }
        traceID = String(decoding: bytes[3..<35], as: UTF8.self)
        spanID = String(decoding: bytes[36..<52], as: UTF8.self)
        flags = String(decoding: bytes[53..<55], as: UTF8.self)
    }

    private init(traceID: String, spanID: String, flags: String) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
    }

    /// A new trace (sampled).
    public static func root() -> TraceContext {
        TraceContext(traceID: hex(nextID(), nextID()), spanID: hex(nextID()), flags: "01")
    }

    /// The same trace, with a new span: what this hop sends on.
    public func child() -> TraceContext {
        TraceContext(traceID: traceID, spanID: Self.hex(Self.nextID()), flags: flags)
    }

    public var header: String { "00-\(traceID)-\(spanID)-\(flags)" }

    private static func isHex(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    // MARK: - Ids

    /// Ids need to be unique and unpredictable enough to not collide, not secret: SplitMix64 over
    /// a counter that starts at a random point gives distinct, well-mixed 64-bit values without a
    /// system call per id.
    private static let counter = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    private static func nextID() -> UInt64 {
        var value = counter.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return value == 0 ? 1 : value
    }

    /// 16 lowercase hex digits per value, written straight into the string.
    private static func hex(_ first: UInt64, _ second: UInt64? = nil) -> String {
        let count = second == nil ? 16 : 32
        return String(unsafeUninitializedCapacity: count) { buffer in
            func write(_ value: UInt64, at offset: Int) {
                for index in 0..<16 {
                    let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0xF
                    buffer[offset + index] = nibble < 10 ? 48 + nibble : 87 + nibble
                }
            }
            write(first, at: 0)
            if let second { write(second, at: 16) }
            return count
        }
    }
}
