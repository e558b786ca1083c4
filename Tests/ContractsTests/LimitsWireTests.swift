import Contracts
import Foundation
import Testing

@Suite("Limits on the wire")
struct LimitsWireTests {
    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test("windows and periods are UTC calendar units")
    func windows() {
        let at = Self.date("2026-12-31T23:59:59Z")
        let minute = LimitUnit.minute.window(at: at)
        #expect(minute.start == Int64(Self.date("2026-12-31T23:59:00Z").timeIntervalSince1970))
        #expect(minute.end == Self.date("2027-01-01T00:00:00Z"))
        #expect(LimitUnit.hour.window(at: at).end == Self.date("2027-01-01T00:00:00Z"))
        #expect(LimitUnit.day.window(at: at).start == Int64(Self.date("2026-12-31T00:00:00Z").timeIntervalSince1970))
        let month = LimitUnit.month.window(at: Self.date("2028-02-29T12:00:00Z"))
        #expect(month.start == Int64(Self.date("2028-02-01T00:00:00Z").timeIntervalSince1970))
        #expect(month.end == Self.date("2028-03-01T00:00:00Z"))
        #expect(LimitUnit.total.window(at: at).start == 0)
        #expect(LimitUnit.total.window(at: at).end == nil)
    }

    @Test("a rule covers the calls of its key or user, service and model")
    func coverage() {
        let key = UUID()
        let user = UUID()
        func covers(
            _ rule: LimitRule, key: UUID? = nil, user: UUID? = nil, service: String = "openai",
            model: String? = "gpt-4.1", asked: String? = "gpt-4.1"
        ) -> Bool {
            rule.covers(apiKey: key, user: user, service: service, model: asked, providerModel: model)
        }
        let tenant = LimitRule(id: UUID(), window: .minute, requests: 10)
        #expect(covers(tenant) && covers(tenant, key: key) && covers(tenant, user: user, service: "groq"))
        let byKey = LimitRule(id: UUID(), apiKeyId: key, window: .minute, requests: 10)
        #expect(covers(byKey, key: key) && !covers(byKey, key: UUID()) && !covers(byKey, user: user))
        let byUser = LimitRule(id: UUID(), userId: user, window: .minute, requests: 10)
        #expect(covers(byUser, user: user) && !covers(byUser, key: key))
        let byService = LimitRule(id: UUID(), service: "anthropic", window: .minute, requests: 10)
        #expect(covers(byService, service: "anthropic") && !covers(byService))
        // `service/model` matches the provider's model, whether the client prefixed it or not.
        let byModel = LimitRule(id: UUID(), model: "openai/gpt-4.1", window: .minute, requests: 10)
        #expect(covers(byModel) && covers(byModel, asked: "openai/gpt-4.1"))
        #expect(!covers(byModel, model: "gpt-4.1-mini") && !covers(byModel, service: "azure-openai"))
        #expect(!covers(byModel, model: nil, asked: nil))
        // A bare name is what the client asked for (a route's name).
        let byRoute = LimitRule(id: UUID(), model: "smart", window: .minute, requests: 10)
        #expect(covers(byRoute, asked: "smart") && !covers(byRoute))
    }

    @Test("a rule's counts: requests and tokens per window, spend per period")
    func meters() {
        let rule = LimitRule(id: UUID(), window: .hour, requests: 5, tokens: 100, period: .month, budgetMicroUsd: 7)
        #expect(rule.meters.map(\.kind) == [.requests, .tokens, .spend])
        #expect(rule.meters.map(\.unit) == [.hour, .hour, .month])
        #expect(rule.meters.map(\.capacity) == [5, 100, 7])
        #expect(LimitKind.spend.key(rule.id) == "\(rule.id.uuidString.lowercased())/spend")
    }

    @Test("a change names what it sets and what it clears (null)")
    func limitInput() throws {
        let input = try JSONBodyDecoder.decode(
            LimitInput.self, from: Data(#"{"name": null, "requests": 5, "window": "minute"}"#.utf8))
        #expect(input.cleared == ["name"] && input.requests == 5 && input.window == "minute" && input.name == nil)
        let forwarded = try JSONDecoder().decode(LimitInput.self, from: JSONEncoder().encode(input))
        #expect(forwarded == input, "the same change reaches the usage service")
        #expect(throws: BodyError.self) {
            try JSONBodyDecoder.decode(LimitInput.self, from: Data(#"{"cleared": ["name"]}"#.utf8))
        }
        #expect(throws: BodyError.self) {
            try JSONBodyDecoder.decode(LimitInput.self, from: Data(#"{"requests": 1.5}"#.utf8))
        }
    }

    @Test("a budget event's message id: one per limit, threshold and period")
    func thresholdID() {
        let limit = UUID()
        let event = BudgetThresholdEvent(
            tenantId: UUID(), limitId: limit, percent: 80, spentMicroUsd: 80, budgetMicroUsd: 100,
            period: Date(timeIntervalSince1970: 86_400), at: Date())
        #expect(event.messageID == "budget.threshold.\(limit.uuidString.lowercased()).86400.80")
    }
}
