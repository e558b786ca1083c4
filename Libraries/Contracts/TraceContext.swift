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
        let parts = header.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, Self.isHex(parts[0]), parts[0] != "ff",
            parts[0] != "00" || parts.count == 4,
            parts[1].count == 32, Self.isHex(parts[1]), parts[1] != Substring(repeating: "0", count: 32),
            parts[2].count == 16, Self.isHex(parts[2]), parts[2] != Substring(repeating: "0", count: 16),
            parts[3].count == 2, Self.isHex(parts[3])
        else { return nil }
        traceID = String(parts[1])
        spanID = String(parts[2])
        flags = String(parts[3])
    }

    private init(traceID: String, spanID: String, flags: String) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
    }

    /// A new trace (sampled).
    public static func root() -> TraceContext {
        TraceContext(traceID: randomHex(bytes: 16), spanID: randomHex(bytes: 8), flags: "01")
    }

    /// The same trace, with a new span: what this hop sends on.
    public func child() -> TraceContext {
        TraceContext(traceID: traceID, spanID: Self.randomHex(bytes: 8), flags: flags)
    }

    public var header: String { "00-\(traceID)-\(spanID)-\(flags)" }

    private static func isHex(_ text: Substring) -> Bool {
        text.utf8.allSatisfy {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
        }
    }

    private static func randomHex(bytes: Int) -> String {
        var text = ""
        repeat {
            text = (0..<bytes).map { _ in
                let byte = UInt8.random(in: .min ... .max)
                let digits = Array("0123456789abcdef")
                return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
            }.joined()
        } while text.allSatisfy { $0 == "0" }
        return text
    }
}
