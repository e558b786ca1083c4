import Testing

@testable import Translation

/// Helpers shared by the translation tests.
enum Fixture {
    static func json(_ text: String) throws -> JSON {
        try JSON(parsing: Array(text.utf8))
    }

    /// The same JSON, whatever the order of object members.
    static func same(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            guard Set(x.keys) == Set(y.keys), x.keys.count == y.keys.count else { return false }
            return x.members.allSatisfy { member in y[member.key].map { same(member.value, $0) } ?? false }
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy(same)
        case (.number(let x), .number(let y)):
            return x == y || Double(x) == Double(y)
        default:
            return a == b
        }
    }

    /// A stream's events: each one's name (if any) and data (`[DONE]` as a string).
    static func events(_ bytes: [UInt8]) throws -> [(name: String?, data: JSON)] {
        var splitter = ServerSentEvents()
        var events: [(name: String?, data: JSON)] = []
        for event in splitter.push(bytes) {
            if event.data.elementsEqual("[DONE]".utf8) {
                events.append((event.name, "[DONE]"))
            } else {
                events.append((event.name, try JSON(parsing: event.data)))
            }
        }
        #expect(splitter.pending.isEmpty, "the stream ends with a complete event")
        return events
    }

    /// Server-sent events as a provider writes them.
    static func sse(_ events: [(String?, String)]) -> [UInt8] {
        Array(events.map { name, data in (name.map { "event: \($0)\n" } ?? "") + "data: \(data)\n\n" }.joined().utf8)
    }

    /// A translated stream's text with its `"created"` timestamps blanked (two translations may start
    /// in different seconds).
    static func withoutCreated(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).replacing(/"created":[0-9]+/, with: "\"created\":0")
    }

    /// Feeds `bytes` to a fresh stream translation in pieces of `size` bytes (1: every byte
    /// boundary), then ends it.
    static func translate(
        _ bytes: [UInt8], _ translator: Translator, request: ChatRequest, estimatedInputTokens: Int = 50, size: Int
    ) -> [UInt8] {
        var stream = translator.stream(for: request, estimatedInputTokens: estimatedInputTokens)
        var out: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            out += stream.push(bytes[offset..<min(offset + size, bytes.count)])
            offset += size
        }
        return out + stream.finish()
    }
}

extension Translator {
    static let openAIToAnthropic = Translator(client: OpenAIChat(), provider: AnthropicMessages())
    static let anthropicToOpenAI = Translator(client: AnthropicMessages(), provider: OpenAIChat())
}
