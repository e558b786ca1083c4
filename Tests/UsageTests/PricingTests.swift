import Contracts
import Foundation
import Messaging
import ServiceKit
import Testing

@testable import Usage

@Suite("Prices and costs")
struct PricingTests {
    /// USD per million tokens: input 0.15, output 0.60, cached input 0.075 (as nano-USD per token).
    static let table = PriceTable(
        version: "test-1",
        prices: [
            "openai/gpt-4o-mini": .init(input: 150, output: 600, cachedInput: 75),
            "openai/gpt-4o": .init(input: 2_500, output: 10_000, cachedInput: 1_250),
            "anthropic/claude-3-5-haiku": .init(input: 800, output: 4_000, cachedInput: 80),
            "openrouter/meta-llama/llama-3.1-8b": .init(input: 20, output: 50, cachedInput: 20),
        ])

    @Test("a cost in whole micro-USD, computed in integers and rounded once")
    func cost() {
        // 1,000 × 150 + 500 × 600 nano-USD = 450,000 nano = 450 micro-USD.
        #expect(
            Self.table.cost(service: "openai", model: "gpt-4o-mini", prompt: 1000, completion: 500, cached: 0) == 450)
        // 1 token × 150 nano rounds to 0 micro; 4 tokens (600 nano) round up to 1.
        #expect(Self.table.cost(service: "openai", model: "gpt-4o-mini", prompt: 1, completion: 0, cached: 0) == 0)
        #expect(Self.table.cost(service: "openai", model: "gpt-4o-mini", prompt: 4, completion: 0, cached: 0) == 1)
    }

    @Test("cached prompt tokens at the cached price, never more of them than the prompt")
    func cached() {
        // 600 uncached × 150 + 400 cached × 75 = 120,000 nano.
        #expect(
            Self.table.cost(service: "openai", model: "gpt-4o-mini", prompt: 1000, completion: 0, cached: 400) == 120)
        #expect(
            Self.table.cost(service: "openai", model: "gpt-4o-mini", prompt: 10, completion: 0, cached: 99)
                == Self.table.cost(service: "openai", model: "gpt-4o-mini", prompt: 10, completion: 0, cached: 10))
    }

    @Test("a dated or tagged model takes its base model's price, the longest match winning")
    func prefixes() {
        #expect(Self.table.price(service: "openai", model: "gpt-4o-mini-2024-07-18")?.input == 150)
        #expect(Self.table.price(service: "openai", model: "gpt-4o-2024-08-06")?.input == 2_500)
        #expect(Self.table.price(service: "anthropic", model: "claude-3-5-haiku@20241022")?.input == 800)
        #expect(Self.table.price(service: "openai", model: "gpt-4o-mini:ft-acme")?.input == 150)
        #expect(Self.table.price(service: "openai", model: "gpt-4") == nil, "a prefix of a known model is not it")
        #expect(Self.table.price(service: "groq", model: "gpt-4o-mini") == nil, "prices are per service")
        #expect(Self.table.price(service: "openrouter", model: "meta-llama/llama-3.1-8b")?.input == 20)
        #expect(Self.table.price(service: "openrouter/meta-llama", model: "llama-3.1-8b") == nil)
    }

    @Test("a name resolved once (remembered) resolves the same again, found or not")
    func remembered() {
        let table = PricingTests.table
        for model in ["gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "gpt-4", "o9-2030-01-01", "gpt-4o-mini"] {
            let first = table.price(service: "openai", model: model)
            #expect(table.price(service: "openai", model: model) == first, "\(model)")
        }
        #expect(table.price(service: "openai", model: "gpt-4o-2024-08-06")?.input == 2_500)
        #expect(table.price(service: "openai", model: "gpt-4") == nil)
        // Clients name models freely: past the names remembered, lookups still resolve.
        for index in 0..<1_100 {
            #expect(table.price(service: "openai", model: "gpt-4o-mini-\(index)")?.input == 150)
        }
        #expect(table.price(service: "openai", model: "gpt-4o-mini-99999")?.input == 150)
    }

    @Test("a table sent over NATS reads back the same and prices the same")
    func wire() throws {
        let data = try JSONEncoder().encode(Self.table)
        let keys = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]).keys
        #expect(Set(keys) == ["version", "prices"], "only the table itself is sent")
        let read = try JSONDecoder().decode(PriceTable.self, from: data)
        #expect(read == Self.table)
        #expect(read.price(service: "openai", model: "gpt-4o-mini")?.output == 600)
        #expect(read.price(service: "openai", model: "gpt-4o-mini-2024-07-18")?.output == 600)
    }

    @Test("no price is unknown, never zero; so is a cost that would overflow")
    func unknown() {
        #expect(Self.table.cost(service: "openai", model: nil, prompt: 10, completion: 10, cached: 0) == nil)
        #expect(Self.table.cost(service: "openai", model: "o9", prompt: 10, completion: 10, cached: 0) == nil)
        #expect(Self.table.cost(service: "openai", model: "gpt-4o", prompt: .max, completion: 0, cached: 0) == nil)
    }

    @Test("the shipped table loads and prices the common models; a bad file is a configuration error")
    func loading() throws {
        let shipped = try PriceTable.load(path: nil)
        #expect(!shipped.version.isEmpty)
        #expect(
            shipped.price(service: "openai", model: "gpt-4o-mini") == .init(input: 150, output: 600, cachedInput: 75))
        #expect(throws: ConfigurationError.self) { try PriceTable.load(path: "/nonexistent/prices.json") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"version":"","models":{}}"#.utf8).write(to: file)
        let empty = #expect(throws: ConfigurationError.self) { try PriceTable.load(path: file.path) }
        #expect(empty?.problem == "has an empty version")
        try Data(#"{"version":"v2","models":{"x/y":{"input":1.25,"output":2}}}"#.utf8).write(to: file)
        let custom = try PriceTable.load(path: file.path)
        #expect(custom.price(service: "x", model: "y") == .init(input: 1250, output: 2000, cachedInput: 1250))
    }
}

@Suite("Usage reports")
struct UsageReportTests {
    @Test("an events cursor reads back as it was written; anything else is a 400")
    func cursors() throws {
        let cursor = UsageReports.encodeCursor(micros: 1_733_000_000_000_000, id: "req-1.a:b")
        let read = try UsageReports.decodeCursor(cursor)
        #expect(read.micros == 1_733_000_000_000_000 && read.id == "req-1.a:b")
        for bad in [
            "", "not-base64!", Data("u2:1:x".utf8).base64URLEncodedString,
            Data("u1:-5:x".utf8).base64URLEncodedString, Data("u1:5:x'; DROP".utf8).base64URLEncodedString,
        ] {
            #expect(throws: ServiceError.badRequest("`cursor` is not a cursor this API issued")) {
                try UsageReports.decodeCursor(bad)
            }
        }
    }

    @Test("a CSV line per event, its fields escaped so a spreadsheet runs nothing")
    func csvLine() {
        let event = UsageEvent(
            id: "e1", tenantId: UUID(), apiKeyId: nil, userId: nil, service: "openai", model: "=HYPERLINK(\"x\")",
            endpoint: "/v1/chat/completions", status: 200, latencyMs: 12, ttfbMs: nil, promptTokens: 3,
            completionTokens: 4, totalTokens: 7, cachedTokens: 0, estimated: false, streamed: true,
            clientDisconnected: false, at: Date(timeIntervalSince1970: 0), requestId: "r,1", translated: true,
            route: "smart", attempt: 2)
        let line = UsageCSV.line(PricedUsageEvent(event: event, costMicroUsd: 42, priceVersion: "v1"))
        #expect(
            line
                == "e1,\"r,1\",1970-01-01T00:00:00Z,openai,\"'=HYPERLINK(\"\"x\"\")\",/v1/chat/completions,200,3,4,7,0,42,v1,,,12,true,false,false,true,smart,2\r\n"
        )
    }
}

@Suite("Usage settings")
struct UsageConfigurationTests {
    @Test("the batch linger defaults to 50 ms; a value out of range stops the start, naming it")
    func linger() throws {
        #expect(try UsageConfiguration(Environment([:])).linger == .milliseconds(50))
        let error = #expect(throws: ConfigurationError.self) {
            try UsageConfiguration(Environment(["USAGE_LINGER_MS": "5000"]))
        }
        #expect(error?.variable == "USAGE_LINGER_MS")
    }
}
