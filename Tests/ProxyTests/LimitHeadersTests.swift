import Contracts
import Foundation
import ServiceKit
import Testing

@testable import Proxy

@Suite("Limit headers")
struct LimitHeadersTests {
    static func taken(_ kind: LimitKind, capacity: Int64, remaining: Int64, resetsIn seconds: Double?)
        -> Allowances.Taken
    {
        Allowances.Taken(
            key: kind.key(UUID()), window: 0, amount: 1, kind: kind, capacity: capacity,
            remaining: remaining, resetsAt: seconds.map { Date().addingTimeInterval($0) })
    }

    @Test("OpenAI's x-ratelimit-* for the tightest request and token counts; budgets add none")
    func headers() throws {
        let admission = LimitGate.Admission(
            taken: [
                Self.taken(.requests, capacity: 100, remaining: 40, resetsIn: 30),
                Self.taken(.requests, capacity: 10, remaining: 3, resetsIn: 3000),
                Self.taken(.tokens, capacity: 5000, remaining: 4000, resetsIn: 0.4),
                Self.taken(.spend, capacity: 9, remaining: 1, resetsIn: nil),
            ], prices: nil)
        let limits = admission.rateLimits
        #expect(limits.text(of: .requests)! == ("10", "3", "50m0s"))
        let tokens = try #require(limits.text(of: .tokens))
        #expect(tokens.limit == "5000" && tokens.remaining == "4000")
        #expect(tokens.reset?.hasSuffix("s") == true)
        // On the wire: one header, read back the same.
        let head = UpstreamHead(status: 200, passed: [], rateLimits: limits)
        #expect(try UpstreamHead(headers: head.headers) == head)
    }

    @Test("what a call used of each count, from its usage event: priced like the usage service prices it")
    func used() {
        let admission = LimitGate.Admission(
            taken: [
                Self.taken(.requests, capacity: 10, remaining: 3, resetsIn: 60),
                Self.taken(.tokens, capacity: 5000, remaining: 4000, resetsIn: 60),
                Self.taken(.spend, capacity: 900, remaining: 100, resetsIn: nil),
            ],
            prices: PriceTable(
                version: "test", prices: ["openai/gpt-4.1": .init(input: 2000, output: 8000, cachedInput: 500)]))
        let event = UsageEvent(
            id: "e", tenantId: UUID(), apiKeyId: nil, userId: nil, service: "openai", model: "gpt-4.1",
            endpoint: "/v1/chat/completions", status: 200, latencyMs: 1, ttfbMs: nil, promptTokens: 12,
            completionTokens: 5, totalTokens: 17, cachedTokens: 2, estimated: false, streamed: false,
            clientDisconnected: false, at: Date())
        // 10 uncached and 2 cached prompt tokens, 5 completion tokens: 61.5 micro-USD, rounded.
        #expect(admission.used(by: [event]) == (tokens: 17, spent: 61))
        var unpriced = event
        unpriced.model = "gpt-9"
        #expect(
            admission.used(by: [unpriced]) == (tokens: 17, spent: 0),
            "an unpriced model costs nothing, as in the usage reports")
    }

    @Test("reset times as OpenAI writes them")
    func durations() {
        let reset = UpstreamHead.RateLimits.reset(in:)
        #expect(reset(11.2) == "12s")
        #expect(reset(60) == "1m0s")
        #expect(reset(359.5) == "6m0s")
        #expect(reset(7300) == "2h1m40s")
        #expect(reset(3600) == "1h0m0s")
        #expect(reset(0.44) == "0.4s")
        #expect(reset(0.96) == "1.0s")
        #expect(reset(-5) == "0.0s")
        #expect(reset(.infinity).hasSuffix("s"), "never a crash")
    }
}
