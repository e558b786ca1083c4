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
        var json = "{"
        func add(_ key: String, _ value: String) {
            if json.count > 1 { json += "," }
            json += "\"\(key)\":\(value)"
        }
        add("id", Self.quoted(id))
        if let requestId { add("requestId", Self.quoted(requestId)) }
        add("tenantId", Self.quoted(tenantId.uuidString))
        if let apiKeyId { add("apiKeyId", Self.quoted(apiKeyId.uuidString)) }
        if let userId { add("userId", Self.quoted(userId.uuidString)) }
        add("service", Self.quoted(service))
        if let model { add("model", Self.quoted(model)) }
        add("endpoint", Self.quoted(endpoint))
        add("status", String(status))
        add("latencyMs", String(latencyMs))
        if let ttfbMs { add("ttfbMs", String(ttfbMs)) }
        add("promptTokens", String(promptTokens))
        add("completionTokens", String(completionTokens))
        add("totalTokens", String(totalTokens))
        add("cachedTokens", String(cachedTokens))
        add("estimated", String(estimated))
        add("streamed", String(streamed))
        add("clientDisconnected", String(clientDisconnected))
        add("at", Self.quoted(at.formatted(.iso8601)))
        json += "}"
        return Array(json.utf8)
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
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
