import Foundation
import Messaging

/// One proxied model call, as metered: published by the proxy to `usage.events.<tenant>` (the
/// JetStream stream `USAGE`) with `Nats-Msg-Id` = `id`, so a re-publish is stored once.
///
/// Fields are only ever added (consumers must ignore unknown ones).
public struct UsageEvent: Codable, Sendable, Equatable {
    /// Minted by the proxy for each call (a UUIDv7): the key to count the call once by.
    public var id: String
    /// The gateway's request id (`x-request-id`, which a client may choose): for finding the call
    /// in logs, never for counting.
    public var requestId: String?
    public var tenantId: UUID
    public var apiKeyId: UUID?
    public var userId: UUID?
    public var service: String
    public var model: String?
    /// The provider endpoint (`/v1/chat/completions`).
    public var endpoint: String
    /// The upstream HTTP status; 502/504 when the provider could not be reached or timed out.
    public var status: Int
    public var latencyMs: Int
    /// Time to the first byte of the upstream's answer.
    public var ttfbMs: Int?
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    /// Prompt tokens served from the provider's cache (billed differently), when reported.
    public var cachedTokens: Int
    /// True when the provider reported no usage and the counts are estimated from the text.
    public var estimated: Bool
    public var streamed: Bool
    public var clientDisconnected: Bool
    public var at: Date

    public init(
        id: String, tenantId: UUID, apiKeyId: UUID?, userId: UUID?, service: String, model: String?, endpoint: String,
        status: Int, latencyMs: Int, ttfbMs: Int?, promptTokens: Int, completionTokens: Int, totalTokens: Int,
        cachedTokens: Int, estimated: Bool, streamed: Bool, clientDisconnected: Bool, at: Date, requestId: String? = nil
    ) {
        self.id = id
        self.requestId = requestId
        self.tenantId = tenantId
        self.apiKeyId = apiKeyId
        self.userId = userId
        self.service = service
        self.model = model
        self.endpoint = endpoint
        self.status = status
        self.latencyMs = latencyMs
        self.ttfbMs = ttfbMs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
        self.cachedTokens = cachedTokens
        self.estimated = estimated
        self.streamed = streamed
        self.clientDisconnected = clientDisconnected
        self.at = at
    }
}

extension UsageEvent {
    /// The event as JSON, written directly: it is encoded once per proxied call, where a generic
    /// encoder costs more than the rest of the metering. Same fields and format as `Codable`'s.
    public var jsonBytes: [UInt8] {
        var json = JSONWriter()
        json.field("id", string: id)
        if let requestId { json.field("requestId", string: requestId) }
        json.field("tenantId", string: tenantId.uuidString)
        if let apiKeyId { json.field("apiKeyId", string: apiKeyId.uuidString) }
        if let userId { json.field("userId", string: userId.uuidString) }
        json.field("service", string: service)
        if let model { json.field("model", string: model) }
        json.field("endpoint", string: endpoint)
        json.field("status", number: status)
        json.field("latencyMs", number: latencyMs)
        if let ttfbMs { json.field("ttfbMs", number: ttfbMs) }
        json.field("promptTokens", number: promptTokens)
        json.field("completionTokens", number: completionTokens)
        json.field("totalTokens", number: totalTokens)
        json.field("cachedTokens", number: cachedTokens)
        json.field("estimated", bool: estimated)
        json.field("streamed", bool: streamed)
        json.field("clientDisconnected", bool: clientDisconnected)
        json.field("at", string: Self.iso8601(at))
        return json.finish()
    }

    /// `2026-11-26T12:34:56Z`, as `Date.ISO8601FormatStyle()` writes it, without its cost.
    static func iso8601(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (days, time) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, secondOfDay) = time < 0 ? (days - 1, time + 86_400) : (days, time)
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let shifted = day + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        let (hour, rest) = secondOfDay.quotientAndRemainder(dividingBy: 3600)
        return "\(year)-\(two(month))-\(two(dayOfMonth))T\(two(hour)):\(two(rest / 60)):\(two(rest % 60))Z"
    }
}

/// Writes one flat JSON object as bytes, fields in the order given.
struct JSONWriter {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    init() {
        bytes.reserveCapacity(512)
    }

    mutating func field(_ key: StaticString, string value: String) {
        name(key)
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), byte]
            case 0x0A: bytes += Array(#"\n"#.utf8)
            case 0x0D: bytes += Array(#"\r"#.utf8)
            case 0x09: bytes += Array(#"\t"#.utf8)
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                bytes += Array(#"\u00"#.utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func field(_ key: StaticString, number value: Int) {
        name(key)
        bytes += String(value).utf8
    }

    mutating func field(_ key: StaticString, bool value: Bool) {
        name(key)
        bytes += (value ? "true" : "false").utf8
    }

    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private mutating func name(_ key: StaticString) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes += $0 }
        bytes += [UInt8(ascii: "\""), UInt8(ascii: ":")]
    }
}

public enum UsageSubjects {
    public static func event(tenant: UUID) -> String { "usage.events.\(tenant.uuidString.lowercased())" }
    public static let events = "usage.events.>"
}

/// The durable stream of usage events, shared by the proxy (writer), the usage service and
/// billing consumers (readers).
public enum UsageStream {
    public static let config = StreamConfig(
        name: "USAGE", subjects: [UsageSubjects.events], maxAge: .seconds(90 * 24 * 3600),
        duplicateWindow: .seconds(600))
}
