import Contracts
import Foundation
import Testing

@testable import Usage

@Suite("Usage events as stored")
struct StorableEventTests {
    static func event(id: String = "e1", model: String? = "gpt-4o", tokens: Int = 10) -> UsageEvent {
        UsageEvent(
            id: id, tenantId: UUID(), apiKeyId: nil, userId: nil, service: "openai", model: model,
            endpoint: "/v1/chat/completions", status: 200, latencyMs: 12, ttfbMs: 3, promptTokens: tokens,
            completionTokens: tokens, totalTokens: 2 * tokens, cachedTokens: 0, estimated: false, streamed: false,
            clientDisconnected: false, at: Date())
    }

    @Test("a clean event is stored as it came")
    func clean() {
        let event = Self.event()
        #expect(UsageStore.storable(event) == event)
    }

    @Test("counts clamped to what the columns hold, text cut and without NUL; no id, no event")
    func clamped() throws {
        var event = Self.event(model: String(repeating: "m", count: 300) + "\0", tokens: -5)
        event.latencyMs = .max
        event.status = 7_000
        let stored = try #require(UsageStore.storable(event))
        #expect(stored.promptTokens == 0 && stored.completionTokens == 0)
        #expect(stored.latencyMs == Int(Int32.max))
        #expect(stored.status == 999)
        #expect(stored.model?.utf8.count == UsageEvent.modelLimit && stored.model?.contains("\0") == false)
        #expect(UsageStore.storable(Self.event(id: "\0")) == nil)
        #expect(UsageStore.storable(Self.event(id: "")) == nil)
    }
}
