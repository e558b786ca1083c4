import Contracts
import Foundation
import ProviderStandIn
import TestSupport
import Testing

/// Translated calls through the whole chain, seen as raw HTTP (the SDK tests cover the rest).
@Suite("Translated calls")
struct TranslationEndToEndTests {
    @Test(
        "a translated stream's first event reaches the client before the provider sends its second chunk",
        arguments: [
            ("/v1/chat/completions", "anthropic/slow-stream", "\"role\":\"assistant\""),
            ("/v1/messages", "gemini/slow-stream", "event: message_start"),
            ("/v1/responses", "cohere/slow-stream", "event: response.created"),
        ])
    func firstEvent(path: String, model: String, firstEvent: String) async throws {
        let delay = Duration.milliseconds(300)
        try await ProxyHarness.run(chunkDelay: delay) { harness in
            let service = String(model.prefix { $0 != "/" })
            try await harness.store(service, key: "sk-provider-\(service)-secret")
            var body: [String: Any] = ["model": model, "stream": true, "max_tokens": 32]
            if path == "/v1/responses" {
                body = ["model": model, "stream": true, "input": "Hi"]
            } else {
                body["messages"] = [["role": "user", "content": "Hi"]]
            }
            let standIn = harness.standIn
            standIn.holdSecondChunk()
            let response = try await harness.http.stream("POST", path, json: body, headers: harness.auth) { seen in
                if String(decoding: seen, as: UTF8.self).contains(firstEvent) { standIn.releaseSecondChunk() }
                return false
            }
            #expect(response.status == 200)
            #expect(response.header("content-type") == "text/event-stream")
            #expect(!standIn.secondChunkTimedOut, "the first event reached the client while the provider held the rest")
            let first = try #require(
                response.chunks.first { String(decoding: $0.bytes, as: UTF8.self).contains(firstEvent) })
            let written = standIn.chunkTimes
            #expect(written.count >= 4)
            #expect(first.at < written[1], "the first event arrived before the provider wrote its second chunk")
            let last = try #require(response.chunks.last)
            #expect(last.at - first.at >= delay * 2, "and the rest came as they were written")
            #expect(response.text.contains(StandInProvider.words[3].trimmingCharacters(in: .whitespaces)))
            let event = try #require(try await harness.usageEvents(1).first)
            #expect(event.streamed && event.translated == true && event.endpoint == path && !event.estimated)
        }
    }

    @Test(
        "errors come back in the client's own shape with the provider's status; untranslatable requests are 400s in that shape"
    )
    func errors() async throws {
        try await ProxyHarness.run(chunkDelay: .milliseconds(1)) { harness in
            try await harness.store("gemini", key: "sk-provider-gemini-secret")
            try await harness.store("openai", key: "sk-provider-openai-secret")
            let ask: [[String: Any]] = [["role": "user", "content": "Hi"]]
            let limited = try await harness.http.post(
                "/v1/messages", json: ["model": "gemini/error-429", "max_tokens": 8, "messages": ask],
                headers: harness.auth)
            #expect(limited.status == 429)
            #expect(limited.json["type"] as? String == "error")
            #expect((limited.json["error"] as? [String: Any])?["type"] as? String == "rate_limit_error")
            #expect((limited.json["error"] as? [String: Any])?["message"] as? String == "stand-in failure 429")

            let refused = try await harness.http.post(
                "/v1/messages", json: ["model": "openai/gpt-4o-mini", "max_tokens": 8, "top_k": 5, "messages": ask],
                headers: harness.auth)
            #expect(refused.status == 400)
            #expect((refused.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
            #expect(
                (refused.json["error"] as? [String: Any])?["message"] as? String
                    == "`top_k` cannot be translated to OpenAI Chat Completions")

            let malformed = try await harness.http.post(
                "/v1/chat/completions", json: ["model": "gemini/gemini-2.0-flash", "messages": "Hi"],
                headers: harness.auth)
            #expect(malformed.status == 400)
            #expect(
                (malformed.json["error"] as? [String: Any])?["message"] as? String
                    == "`messages` must be an array, not a string")

            let pathLike = try await harness.http.post(
                "/v1/chat/completions", json: ["model": "gemini/../../admin", "messages": ask], headers: harness.auth)
            #expect(pathLike.status == 400)
            #expect(pathLike.text.contains("a gemini `model` must be"))
            #expect(!harness.standIn.requests.contains { $0.path.contains("admin") })
            #expect(harness.standIn.requests.allSatisfy { $0.path.hasPrefix("/v1beta/models/error-429:") })
        }
    }
}
