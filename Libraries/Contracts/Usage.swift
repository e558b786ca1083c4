import Foundation
import Messaging

/// One proxied model call, as metered: published by the proxy to `usage.events.<tenant>` (the
/// JetStream stream `USAGE`) with `Nats-Msg-Id` = `id`, so a re-publish is stored once.
///
/// Fields are only ever added (consumers must ignore unknown ones).
public struct UsageEvent: Codable, Sendable, Equatable {
    /// The longest `model` the usage tables keep (the usage service cuts longer ones).
    public static let modelLimit = 256

    /// Whether the usage tables keep `model` as it is: at most ``modelLimit`` bytes, without
    /// control characters (no model is named otherwise; a report would show it cut).
    public static func keeps(model: String) -> Bool {
        model.utf8.count <= modelLimit && !model.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

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
    /// True when the client's API was not the provider's and the call was translated
    /// (docs/translation.md); absent otherwise. `endpoint` is then the client's endpoint.
    public var translated: Bool?
    /// The route the client named as its model (docs/routes.md), and which of its attempts this
    /// was (from 1); absent when the call was not routed. Each attempt that reached a provider is
    /// an event of its own, with the same `requestId`.
    public var route: String?
    public var attempt: Int?

    public init(
        id: String, tenantId: UUID, apiKeyId: UUID?, userId: UUID?, service: String, model: String?, endpoint: String,
        status: Int, latencyMs: Int, ttfbMs: Int?, promptTokens: Int, completionTokens: Int, totalTokens: Int,
        cachedTokens: Int, estimated: Bool, streamed: Bool, clientDisconnected: Bool, at: Date,
        requestId: String? = nil,
        translated: Bool? = nil, route: String? = nil, attempt: Int? = nil
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
        self.translated = translated
        self.route = route
        self.attempt = attempt
    }
}

public enum UsageSubjects {
    public static func event(tenant: UUID) -> String { "usage.events.\(tenant.lowercasedString)" }
    public static let events = "usage.events.>"
}

/// The durable stream of usage events, shared by the proxy (writer), the usage service and
/// billing consumers (readers).
public enum UsageStream {
    public static let config = StreamConfig(
        name: "USAGE", subjects: [UsageSubjects.events], maxAge: .seconds(90 * 24 * 3600),
        duplicateWindow: .seconds(600))
}
