import Contracts
import Foundation
import Messaging
import ProviderStandIn
import TestSupport
import Testing

@Suite("AI proxy")
struct ProxyTests {
    static var chat: [String: Any] { ["model": "gpt-4o-mini", "messages": [["role": "user", "content": "Hi"]]] }

    @Test("OpenAI: the provider gets the tenant's provider key, the client gets the answer unchanged, usage is metered")
    func openAIPlain() async throws {
        try await ProxyHarness.run { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret", meta: ["organization": "org-7"])
            let response = try await harness.http.post(
                "/proxy/openai", json: ["payload": Self.chat],
                headers: harness.auth.merging([
                    "x-request-id": "call-1", "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                ]) { $1 })
            #expect(response.status == 200, "\(response.text)")
            let choices = try #require(response.json["choices"] as? [[String: Any]])
            #expect(
                (choices.first?["message"] as? [String: Any])?["content"] as? String == StandInProvider.words.joined())
            #expect(response.header("x-request-id") == "call-1")
            #expect(response.header("x-upstream-request-id") == "req_standin_1")
            // No limit of the tenant's covers the call: the provider's rate-limit headers pass on.
            #expect(response.header("x-ratelimit-remaining-requests") == "99")
            #expect(response.header("x-ratelimit-limit-tokens") == "200000")
            #expect(response.header("x-ratelimit-reset-tokens") == "3ms")

            let received = try #require(harness.standIn.requests.last)
            #expect(received.path == "/v1/chat/completions")
            #expect(received.header("authorization") == "Bearer sk-provider-openai-secret")
            #expect(received.header("openai-organization") == "org-7")
            #expect(received.json["model"] as? String == "gpt-4o-mini")
            #expect(!received.headers.values.contains { $0.contains(harness.tenant.key) }, "never the tenant's key")
            // The client's trace continues to the provider, with a span of the proxy's.
            let trace = try #require(received.header("traceparent"))
            #expect(trace.hasPrefix("00-4bf92f3577b34da6a3ce929d0e0e4736-"), "\(trace)")
            #expect(!trace.contains("00f067aa0ba902b7") && trace.hasSuffix("-01"))

            let event = try #require(try await harness.usageEvents(1).first)
            #expect(event.requestId == "call-1")
            #expect(UUID(uuidString: event.id) != nil, "the proxy mints the event id; a client cannot choose it")
            #expect(event.service == "openai")
            #expect(event.model == "gpt-4o-mini")
            #expect(event.endpoint == "/v1/chat/completions")
            #expect(event.status == 200)
            #expect(event.promptTokens == StandInProvider.Tokens.openAIPrompt)
            #expect(event.completionTokens == StandInProvider.Tokens.openAICompletion)
            #expect(event.totalTokens == 17)
            #expect(event.cachedTokens == StandInProvider.Tokens.openAICached)
            #expect(!event.estimated && !event.streamed && !event.clientDisconnected)
            #expect(event.tenantId.uuidString.lowercased() == harness.tenant.id.lowercased())
            #expect(event.apiKeyId != nil)
            #expect(event.ttfbMs != nil)

            // The same x-request-id again is another call, metered again.
            let again = try await harness.http.post(
                "/proxy/openai", json: ["payload": Self.chat],
                headers: harness.auth.merging(["x-request-id": "call-1"]) { $1 })
            #expect(again.status == 200)
            let second = try #require(try await harness.usageEvents(1).first)
            #expect(second.requestId == "call-1")
            #expect(second.id != event.id)
        }
    }

    @Test("a stream's first event reaches the client before the provider sends its second chunk")
    func streamingFirstEvent() async throws {
        let delay = Duration.milliseconds(300)
        try await ProxyHarness.run(chunkDelay: delay) { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            var chat = Self.chat
            chat["model"] = "slow-stream"
            // The stand-in sends its second chunk only once this client has the first event (or
            // after 10 s): a chain that held the stream back would make it wait out the timeout.
            let standIn = harness.standIn
            standIn.holdSecondChunk()
            let response = try await harness.http.stream(
                "POST", "/proxy/openai/stream", json: ["payload": chat], headers: harness.auth
            ) { seen in
                if String(decoding: seen, as: UTF8.self).contains("data:") { standIn.releaseSecondChunk() }
                return false
            }
            #expect(response.status == 200)
            #expect(response.header("content-type") == "text/event-stream")
            #expect(!standIn.secondChunkTimedOut, "the first event reached the client while the provider held the rest")
            let first = try #require(
                response.chunks.first { String(decoding: $0.bytes, as: UTF8.self).contains("data:") })
            let last = try #require(response.chunks.last)
            // The stand-in runs in this process, so its clock is the client's.
            let written = standIn.chunkTimes
            #expect(written.count == StandInProvider.words.count + 4, "role, words, finish, usage, [DONE]")
            #expect(first.at < written[1], "the first event arrived before the provider wrote its second chunk")
            #expect(last.at - first.at >= delay * 3, "and the rest came as they were written")
            #expect(response.text.contains("data: [DONE]"))
            #expect(response.text.contains("\"content\":\" stand-in\""))
            #expect(
                !response.text.contains("\"choices\":[]"), "the usage chunk the proxy asked for is not the client's")

            let sent = try #require(harness.standIn.requests.last)
            #expect(sent.json["stream"] as? Bool == true)
            #expect((sent.json["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
            let event = try #require(try await harness.usageEvents(1).first)
            #expect(event.streamed)
            #expect(event.promptTokens == StandInProvider.Tokens.openAIPrompt)
            #expect(event.completionTokens == StandInProvider.Tokens.openAICompletion)
            #expect(!event.estimated)
        }
    }

    @Test("a client that asked for usage in its stream gets it")
    func streamUsageAsked() async throws {
        try await ProxyHarness.run(chunkDelay: .milliseconds(1)) { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            var chat = Self.chat
            chat["stream"] = true
            chat["stream_options"] = ["include_usage": true]
            let response = try await harness.http.stream(
                "POST", "/v1/chat/completions", json: chat, headers: harness.auth)
            #expect(response.status == 200)
            #expect(response.text.contains("\"choices\":[]"))
            #expect(response.text.contains("\"prompt_tokens\":12"))
            #expect(try await harness.usageEvents(1).first?.completionTokens == StandInProvider.Tokens.openAICompletion)
        }
    }

    @Test(
        "Anthropic: x-api-key and anthropic-version upstream; event: lines forwarded; message_start + message_delta usage"
    )
    func anthropic() async throws {
        try await ProxyHarness.run(chunkDelay: .milliseconds(1)) { harness in
            try await harness.store("anthropic", key: "sk-ant-provider-secret")
            let message: [String: Any] = [
                "model": "claude-3-5-haiku-latest", "max_tokens": 64, "messages": [["role": "user", "content": "Hi"]],
            ]
            let plain = try await harness.http.post(
                "/v1/messages", json: message, headers: harness.auth.merging(["anthropic-version": "2023-06-01"]) { $1 }
            )
            #expect(plain.status == 200, "\(plain.text)")
            #expect(plain.json["type"] as? String == "message")
            #expect(plain.header("request-id") == "req_anthropic_1")
            let sent = try #require(harness.standIn.requests.last)
            #expect(sent.header("x-api-key") == "sk-ant-provider-secret")
            #expect(sent.header("anthropic-version") == "2023-06-01")
            #expect(sent.header("authorization") == nil)

            var streamed = message
            streamed["stream"] = true
            let stream = try await harness.http.stream("POST", "/v1/messages", json: streamed, headers: harness.auth)
            #expect(stream.text.contains("event: message_start"))
            #expect(stream.text.contains("event: content_block_delta"))
            #expect(stream.text.contains("event: message_stop"))
            #expect(
                harness.standIn.requests.last?.json["stream_options"] == nil, "nothing injected into Anthropic calls")

            let events = try await harness.usageEvents(2)
            #expect(events.count == 2)
            for event in events {
                #expect(event.service == "anthropic")
                #expect(
                    event.promptTokens == StandInProvider.Tokens.anthropicInput
                        + StandInProvider.Tokens.anthropicCacheRead)
                #expect(event.completionTokens == StandInProvider.Tokens.anthropicOutput)
                #expect(event.cachedTokens == StandInProvider.Tokens.anthropicCacheRead)
                #expect(!event.estimated)
            }
            #expect(events.map(\.streamed).sorted { !$0 && $1 } == [false, true])
        }
    }

    @Test("Cohere v2: billed units, plain and streamed")
    func cohere() async throws {
        try await ProxyHarness.run(chunkDelay: .milliseconds(1)) { harness in
            try await harness.store("cohere", key: "co-provider-secret-key")
            let chat: [String: Any] = ["model": "command-r", "messages": [["role": "user", "content": "Hi"]]]
            let plain = try await harness.http.post("/proxy/cohere", json: ["payload": chat], headers: harness.auth)
            #expect(plain.status == 200)
            #expect(harness.standIn.requests.last?.path == "/v2/chat")
            #expect(harness.standIn.requests.last?.header("authorization") == "Bearer co-provider-secret-key")
            let stream = try await harness.http.stream(
                "POST", "/proxy/cohere/stream", json: ["payload": chat], headers: harness.auth)
            #expect(stream.text.contains("event: message-end"))
            let events = try await harness.usageEvents(2)
            #expect(
                events.map(\.promptTokens) == [StandInProvider.Tokens.cohereInput, StandInProvider.Tokens.cohereInput])
            #expect(
                events.map(\.completionTokens) == [
                    StandInProvider.Tokens.cohereOutput, StandInProvider.Tokens.cohereOutput,
                ])
        }
    }

    @Test("adapters: Azure deployment URL and api-key; a service/model prefix routes and is stripped")
    func adapters() async throws {
        try await ProxyHarness.run { harness in
            try await harness.store(
                "azure-openai", key: "azure-provider-key-1",
                meta: ["deployment": "gpt4o-prod", "apiVersion": "2024-06-01"])
            try await harness.store("groq", key: "gsk-groq-provider-key")
            let azure = try await harness.http.post(
                "/proxy/azure-openai", json: ["payload": Self.chat], headers: harness.auth)
            #expect(azure.status == 200, "\(azure.text)")
            let azureSent = try #require(harness.standIn.requests.last)
            #expect(azureSent.path == "/openai/deployments/gpt4o-prod/chat/completions")
            #expect(azureSent.query == "api-version=2024-06-01")
            #expect(azureSent.header("api-key") == "azure-provider-key-1")
            #expect(azureSent.header("authorization") == nil)
            // Without meta.deployment the client's model names the deployment: a name, nothing more.
            try await harness.store("azure-openai", key: "azure-provider-key-2", name: "by-model")
            let sentBefore = harness.standIn.requests.count
            for model in ["../../admin", "gpt4o/../x", "gpt4o?x=1", "gpt4o#frag"] {
                let escaped = try await harness.http.post(
                    "/proxy/azure-openai",
                    json: ["payload": Self.chat.merging(["model": model]) { $1 }, "credential": "by-model"],
                    headers: harness.auth)
                #expect(escaped.status == 400, "\(model): \(escaped.text)")
                #expect((escaped.json["detail"] as? String)?.contains("deployment") == true)
            }
            #expect(harness.standIn.requests.count == sentBefore, "nothing went upstream")
            let badMeta = try await harness.http.post(
                "/credentials",
                json: [
                    "service": "azure-openai", "key": "azure-provider-key-3", "name": "bad",
                    "meta": ["baseUrl": harness.standInURL, "deployment": "a/../b"],
                ],
                headers: harness.auth)
            #expect(badMeta.status == 400, "\(badMeta.text)")

            var chat = Self.chat
            chat["model"] = "groq/llama-3.1-8b-instant"
            let groq = try await harness.http.post("/v1/chat/completions", json: chat, headers: harness.auth)
            #expect(groq.status == 200, "\(groq.text)")
            let groqSent = try #require(harness.standIn.requests.last)
            #expect(groqSent.json["model"] as? String == "llama-3.1-8b-instant")
            #expect(groqSent.header("authorization") == "Bearer gsk-groq-provider-key")
            let events = try await harness.usageEvents(2)
            #expect(events.map(\.service).sorted() == ["azure-openai", "groq"])
            #expect(events.first { $0.service == "groq" }?.model == "llama-3.1-8b-instant")
        }
    }

    @Test(
        "errors: provider statuses pass through; no credential 400; unknown service 404; unreachable 502; all metered")
    func errors() async throws {
        try await ProxyHarness.run(proxyEnvironment: ["PROXY_MAX_RETRIES": "0"]) { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            var chat = Self.chat
            chat["model"] = "error-429"
            let limited = try await harness.http.post("/proxy/openai", json: ["payload": chat], headers: harness.auth)
            #expect(limited.status == 429)
            #expect(limited.header("retry-after") == "7")
            #expect((limited.json["error"] as? [String: Any])?["message"] as? String == "stand-in failure 429")

            let missing = try await harness.http.post(
                "/proxy/mistral", json: ["payload": Self.chat], headers: harness.auth)
            #expect(missing.status == 400)
            #expect((missing.json["detail"] as? String)?.contains("mistral") == true)
            #expect(missing.header("content-type") == "application/problem+json")

            let unknown = try await harness.http.post(
                "/proxy/skynet", json: ["payload": Self.chat], headers: harness.auth)
            #expect(unknown.status == 404)

            try await harness.store("deepseek", key: "sk-deepseek-provider", meta: ["baseUrl": "http://127.0.0.1:9"])
            let unreachable = try await harness.http.post(
                "/proxy/deepseek", json: ["payload": Self.chat], headers: harness.auth)
            #expect(unreachable.status == 502, "\(unreachable.text)")

            for body: [String: Any] in [
                ["payload": "text"], [:], ["payload": Self.chat, "extra": 1],
                ["payload": Self.chat, "path": "http://evil"],
                ["payload": Self.chat, "path": "/v1/chat/completions\r\nX-Evil: 1"],
                ["payload": Self.chat, "path": "/v1/%2e%2e/admin"], ["payload": Self.chat, "path": "/v1/../admin"],
                ["payload": Self.chat, "credential": "main\r\nX-Evil: 1"],
                ["payload": Self.chat.merging(["model": "gpt\u{0}x"]) { $1 }],
                ["payload": Self.chat.merging(["model": String(repeating: "m", count: 300)]) { $1 }],
            ] {
                let response = try await harness.http.post("/proxy/openai", json: body, headers: harness.auth)
                #expect(response.status == 400, "\(body): \(response.text)")
                if body["path"] != nil || body["credential"] != nil {
                    let detail = response.json["detail"] as? String ?? ""
                    #expect(detail.hasPrefix("`path`") || detail.hasPrefix("`credential`"), "\(detail)")
                }
            }
            let encodedService = try await harness.http.post(
                "/proxy/open%0D%0Aai", json: ["payload": Self.chat], headers: harness.auth)
            #expect(encodedService.status == 404, "\(encodedService.text)")
            let events = try await harness.usageEvents(2)
            #expect(events.map(\.status).sorted() == [429, 502])
            // A provider's 429 and an unreachable provider charged nothing: neither is billed.
            #expect(events.allSatisfy { $0.promptTokens == 0 && $0.completionTokens == 0 && !$0.estimated })
        }
    }

    @Test("a provider's redirect comes back to the client as it is; the key follows it nowhere")
    func noRedirects() async throws {
        try await ProxyHarness.run(proxyEnvironment: ["PROXY_MAX_RETRIES": "0"]) { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            try await harness.store("anthropic", key: "sk-ant-provider-secret")
            for (path, body) in [
                ("/proxy/openai", ["payload": Self.chat.merging(["model": "redirect-307"]) { $1 }]),
                ("/proxy/openai", ["payload": Self.chat.merging(["model": "redirect-302"]) { $1 }]),
                (
                    "/proxy/anthropic",
                    [
                        "payload": [
                            "model": "redirect-308", "max_tokens": 10, "messages": [["role": "user", "content": "hi"]],
                        ]
                    ]
                ),
            ] as [(String, [String: Any])] {
                let response = try await harness.http.post(path, json: body, headers: harness.auth)
                #expect([302, 307, 308].contains(response.status), "\(path): \(response.status) \(response.text)")
            }
            #expect(harness.standIn.requests.count == 3)
            #expect(!harness.standIn.requests.contains { $0.path == "/stolen" }, "nothing followed a Location")
        }
    }

    @Test("a client that disconnects cancels the upstream call; the call is still metered")
    func disconnect() async throws {
        try await ProxyHarness.run { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            var chat = Self.chat
            chat["model"] = "endless"
            let response = try await harness.http.stream(
                "POST", "/proxy/openai/stream", json: ["payload": chat], headers: harness.auth
            ) { seen in
                String(decoding: seen, as: UTF8.self).components(separatedBy: "tick").count > 3
            }
            #expect(response.status == 200)
            // Up to 300 looks 50 ms apart (counted, not timed: a machine that stalls for a while
            // stalls this wait with everything else, and the stand-in still gets its turn).
            for _ in 0..<300 where harness.standIn.abandonedStreams == 0 {
                try await Task.sleep(for: .milliseconds(50))
            }
            // If not: did the stand-in go on writing (the upstream connection stayed open), or stop?
            let ticks = harness.standIn.endlessTicks
            let lastTick = ticks.last.map { "\(ContinuousClock.now - $0) ago" } ?? "never"
            #expect(
                harness.standIn.abandonedStreams == 1,
                "the provider's stream was cut (it wrote \(ticks.count) ticks, the last \(lastTick))")
            let event = try #require(try await harness.usageEvents(1).first)
            #expect(event.clientDisconnected)
            #expect(event.streamed)
            #expect(event.estimated, "no usage came: estimated, and marked so")
            #expect(event.completionTokens > 0)
        }
    }

    @Test("non-streaming calls are retried after a 5xx")
    func retry() async throws {
        try await ProxyHarness.run(proxyEnvironment: ["PROXY_RETRY_BASE_MS": "10"]) { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            var chat = Self.chat
            chat["model"] = "flaky"
            chat["user"] = "retry-test"
            let response = try await harness.http.post("/proxy/openai", json: ["payload": chat], headers: harness.auth)
            #expect(response.status == 200)
            #expect(harness.standIn.requests.filter { $0.json["model"] as? String == "flaky" }.count == 2)
        }
    }

    @Test("usage events wait PROXY_USAGE_LINGER_MS for company before they are published, and none is lost")
    func usageLinger() async throws {
        try await ProxyHarness.run(proxyEnvironment: ["PROXY_USAGE_LINGER_MS": "600"]) { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            let sent = Date()
            for id in ["linger-1", "linger-2", "linger-3"] {
                let response = try await harness.http.post(
                    "/proxy/openai", json: ["payload": Self.chat],
                    headers: harness.auth.merging(["x-request-id": id]) { $1 })
                #expect(response.status == 200)
            }
            var stored: [(requestID: String?, at: Date)] = []
            for _ in 0..<20 where stored.count < 3 {
                for message in try await harness.usage.fetch(batch: 3 - stored.count, timeout: .milliseconds(500)) {
                    let event = try #require(UsageEvent(json: message.payload))
                    let at = Date(timeIntervalSince1970: Double(message.metadata.timestamp) / 1e9)
                    stored.append((event.requestId, at))
                    try message.ack()
                }
            }
            #expect(stored.compactMap(\.requestID).sorted() == ["linger-1", "linger-2", "linger-3"])
            // Each event's batch waited the linger after its first event came in: JetStream stored
            // none sooner than that after the calls began.
            for event in stored {
                #expect(
                    event.at.timeIntervalSince(sent) >= 0.595,
                    "\(event.requestID ?? "") after \(event.at.timeIntervalSince(sent)) s")
            }
        }
    }

    @Test("/v1/models and /v1/embeddings; leases are reused and dropped when the key changes")
    func modelsEmbeddingsAndLeases() async throws {
        try await ProxyHarness.run { harness in
            try await harness.store("openai", key: "sk-first-provider-key")
            try await harness.store("anthropic", key: "sk-ant-provider-secret")
            let models = try await harness.http.get("/v1/models", headers: harness.auth)
            #expect(models.status == 200, "\(models.text)")
            let ids = (models.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids.contains("openai/gpt-4o-mini"))
            #expect(ids.contains("anthropic/claude-3-5-haiku-latest"))
            #expect(models.json["object"] as? String == "list")

            let embedding = try await harness.http.post(
                "/v1/embeddings", json: ["model": "text-embedding-3-small", "input": ["a", "b"]], headers: harness.auth)
            #expect(embedding.status == 200)
            #expect((embedding.json["data"] as? [Any])?.count == 2)
            #expect(harness.standIn.requests.last?.header("authorization") == "Bearer sk-first-provider-key")

            // The lease taken above is reused, then dropped when the key is replaced.
            _ = try await harness.http.post("/v1/chat/completions", json: Self.chat, headers: harness.auth)
            #expect(harness.standIn.requests.last?.header("authorization") == "Bearer sk-first-provider-key")
            try await harness.store("openai", key: "sk-second-provider-key")
            try await Task.sleep(for: .milliseconds(200))
            _ = try await harness.http.post("/v1/chat/completions", json: Self.chat, headers: harness.auth)
            #expect(harness.standIn.requests.last?.header("authorization") == "Bearer sk-second-provider-key")
            let events = try await harness.usageEvents(3)
            #expect(
                events.first { $0.endpoint == "/v1/embeddings" }?.promptTokens == StandInProvider.Tokens.embeddingPrompt
            )
        }
    }
}
