import Foundation
import Testing

@testable import Contracts

@Suite("Usage event JSON")
struct UsageEventJSONTests {
    @Test("UUIDv7 ids: version 7, RFC variant, ordered by their millisecond, random after it")
    func uuidV7() {
        let earlier = Date(timeIntervalSince1970: 1_700_000_000)
        let ids = (0..<200).map { UUID.v7(now: earlier + Double($0 / 2) / 1000) }
        for id in ids {
            let text = id.uuidString.lowercased()
            #expect(Array(text)[14] == "7", "version nibble of \(text)")
            #expect("89ab".contains(Array(text)[19]), "variant of \(text)")
        }
        #expect(Set(ids).count == ids.count, "no id twice")
        for (a, b) in zip(ids, ids.dropFirst()) where a.uuidString.prefix(13) != b.uuidString.prefix(13) {
            #expect(a.uuidString < b.uuidString, "a later millisecond sorts later")
        }
        #expect(ids[0].uuidString.lowercased().hasPrefix("018bcfe5-6800"), "48 bits of Unix milliseconds")
    }

    @Test("UUIDv7's random bits come from a pool refilled past its end: drawn from many threads, never repeated")
    func uuidV7Pool() async {
        // 4 × 2,000 ids draw 80 KB of random bits: the 4 KiB pool is refilled about twenty times.
        let ids = await withTaskGroup(of: [UUID].self) { group in
            for _ in 0..<4 { group.addTask { (0..<2_000).map { _ in UUID.v7() } } }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(ids).count == 8_000, "no id twice")
        // Bytes 9–15 (all random) take every value, about equally often.
        let randomBytes = ids.flatMap { id in withUnsafeBytes(of: id.uuid) { Array($0[9...]) } }
        #expect(Set(randomBytes).count == 256)
        let zeros = randomBytes.filter { $0 == 0 }.count
        #expect((150...290).contains(zeros), "≈ 219 of 56,000 bytes are zero (σ ≈ 15), not \(zeros)")
    }

    @Test("the hand-written encoding decodes to the same event as Codable's")
    func roundTrip() throws {
        let event = UsageEvent(
            id: "req \"quoted\" \\ slash\nline", tenantId: UUID(), apiKeyId: UUID(), userId: nil, service: "openai",
            model: "gpt-4o-mini", endpoint: "/v1/chat/completions", status: 200, latencyMs: 12, ttfbMs: 3,
            promptTokens: 12, completionTokens: 5, totalTokens: 17, cachedTokens: 2, estimated: false, streamed: true,
            clientDisconnected: false, at: Date(timeIntervalSince1970: 1_795_000_000), translated: true)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(UsageEvent.self, from: Data(event.jsonBytes)) == event)
    }

    @Test("control characters are escaped, and the time is written as Foundation writes it")
    func escapesAndDates() throws {
        let event = UsageEvent(
            id: "a\u{01}b\u{1F}c\td", tenantId: UUID(), apiKeyId: nil, userId: nil, service: "openai", model: nil,
            endpoint: "/v1/émbeddings", status: 499, latencyMs: 0, ttfbMs: nil, promptTokens: 0, completionTokens: 0,
            totalTokens: 0, cachedTokens: 0, estimated: true, streamed: false, clientDisconnected: true,
            at: Date(timeIntervalSince1970: 0))
        let text = String(decoding: event.jsonBytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"id":"a\u0001b\u001fc\td","tenantId":"#))
        #expect(text.contains(#""endpoint":"/v1/émbeddings""#))
        #expect(text.hasSuffix(#""at":"1970-01-01T00:00:00Z"}"#))
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(UsageEvent.self, from: Data(event.jsonBytes)) == event)
        // Leap days, month and year ends, before 1970, fractions of a second.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let seconds = Double(Int64.random(in: -2_208_988_800...4_102_444_800, using: &generator))
            for date in [Date(timeIntervalSince1970: seconds), Date(timeIntervalSince1970: seconds + 0.75)] {
                #expect(UsageEvent.iso8601(date) == date.formatted(.iso8601))
            }
        }
        for text in ["2024-02-29T23:59:59Z", "2000-03-01T00:00:00Z", "1969-12-31T23:59:59Z", "2100-12-31T12:00:00Z"] {
            let date = try #require(ISO8601DateFormatter().date(from: text))
            #expect(UsageEvent.iso8601(date) == text)
        }
    }
}

@Suite("Usage event reading")
struct UsageEventReadingTests {
    let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    @Test("reads what it writes, and agrees with JSONDecoder on what is readable")
    func agreesWithDecoder() throws {
        let event = UsageEvent(
            id: "0193e5b2-7c1e-7000-8000-000000000001", tenantId: UUID(), apiKeyId: UUID(), userId: nil,
            service: "openai", model: "gpt-4o-mini", endpoint: "/v1/chat/completions", status: 200, latencyMs: 12,
            ttfbMs: 3, promptTokens: 12, completionTokens: 5, totalTokens: 17, cachedTokens: 2, estimated: false,
            streamed: true, clientDisconnected: false, at: Date(timeIntervalSince1970: 1_795_000_000),
            requestId: "req-1", translated: true)
        #expect(UsageEvent(json: event.jsonBytes) == event)
        let text = String(decoding: event.jsonBytes, as: UTF8.self)
        let variants = [
            text.replacingOccurrences(of: #""userId""#, with: #""unknownField":[1,{"a":2}],"userId""#),
            text.replacingOccurrences(of: #","model":"gpt-4o-mini""#, with: #","model":null"#),
            text.replacingOccurrences(of: #","ttfbMs":3"#, with: ""),
            text.replacingOccurrences(of: #""status":200"#, with: #""status":"200""#),
            text.replacingOccurrences(of: #""status":200"#, with: #""status":200.5"#),
            text.replacingOccurrences(of: #""streamed":true"#, with: #""streamed":1"#),
            text.replacingOccurrences(of: #""translated":true"#, with: #""translated":"yes""#),
            text.replacingOccurrences(of: #","translated":true"#, with: ""),
            text.replacingOccurrences(of: #","endpoint":"/v1/chat/completions""#, with: ""),
            text.replacingOccurrences(of: "2026-11-18T", with: "2026-02-30T"),
            text.replacingOccurrences(of: #""apiKeyId":""#, with: #""apiKeyId":"x"#),
            text.replacingOccurrences(of: #""at":""#, with: #""at":"x"#),
            "[1]", "{",
        ]
        for variant in variants {
            let decoded = try? decoder.decode(UsageEvent.self, from: Data(variant.utf8))
            #expect(UsageEvent(json: Array(variant.utf8)) == decoded, "\(variant)")
        }
    }

    @Test("dates: the usual form, and everything else as Foundation reads it")
    func dates() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: 0...4_102_444_800, using: &generator)))
            #expect(UsageEvent.date(iso8601: UsageEvent.iso8601(date)) == date)
        }
        for text in [
            "2026-11-26T12:34:56+01:00", "2025-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
            "2026-11-26T12:34:56.250Z", "yesterday", "",
        ] {
            #expect(UsageEvent.date(iso8601: text) == (try? Date(text, strategy: .iso8601)), "\(text)")
        }
    }
}
