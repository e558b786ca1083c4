import Contracts
import Foundation
import ProviderStandIn
import TestSupport
import Testing

@Suite("Official SDKs")
struct SDKTests {
    /// The Python of the virtualenv `make test` creates with the `openai` and `anthropic` packages.
    static var python: String {
        ProcessInfo.processInfo.environment["STRONGBOX_SDK_PYTHON"]
            ?? TestCluster.repositoryRoot.appendingPathComponent(".data/sdk-venv/bin/python").path
    }

    @Test("the openai and anthropic Python SDKs work unmodified: chat, streaming, embeddings, models, messages")
    func pythonSDKs() async throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.python),
            "no SDK virtualenv at \(Self.python): `make test` creates it (scripts/sdk-venv.sh)")
        try await ProxyHarness.run(chunkDelay: .milliseconds(1)) { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            try await harness.store("anthropic", key: "sk-ant-provider-secret")
            let script = TestCluster.repositoryRoot.appendingPathComponent("Tests/sdk/check_sdks.py").path
            let run = try ChildProcess(
                Self.python, [script, harness.http.baseURL, harness.tenant.key], logName: "sdk")
            #expect(await run.waitForExit(timeout: .seconds(120)) == 0, "\(run.output)")
            let line = try #require(run.output.split(separator: "\n").last { $0.hasPrefix("{") }, "\(run.output)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let words = StandInProvider.words.joined()
            #expect((result["chat"] as? [String: Any])?["content"] as? String == words)
            #expect((result["chat"] as? [String: Any])?["prompt_tokens"] as? Int == StandInProvider.Tokens.openAIPrompt)
            #expect(result["stream"] as? String == words, "streamed, and without a usage chunk it did not ask for")
            #expect(result["embeddings"] as? [Int] == [3, 3])
            let models = result["models"] as? [String] ?? []
            #expect(models.contains("openai/gpt-4o-mini") && models.contains("anthropic/claude-3-5-haiku-latest"))
            #expect((result["messages"] as? [String: Any])?["text"] as? String == words)
            #expect(
                (result["messages"] as? [String: Any])?["input_tokens"] as? Int == StandInProvider.Tokens.anthropicInput
            )
            #expect((result["messages_stream"] as? [String: Any])?["text"] as? String == words)
            #expect(
                (result["messages_stream"] as? [String: Any])?["output_tokens"] as? Int
                    == StandInProvider.Tokens.anthropicOutput)
            #expect(
                try await harness.usageEvents(5).count == 5, "every model call was metered (the model list is not one)")
        }
    }

    /// Runs a script of `Tests/sdk` against the harness; its last line is a JSON object.
    static func runScript(_ name: String, _ harness: ProxyHarness) async throws -> [String: Any] {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.python),
            "no SDK virtualenv at \(Self.python): `make test` creates it (scripts/sdk-venv.sh)")
        let script = TestCluster.repositoryRoot.appendingPathComponent("Tests/sdk/\(name)").path
        let run = try ChildProcess(Self.python, [script, harness.http.baseURL, harness.tenant.key], logName: "sdk")
        #expect(await run.waitForExit(timeout: .seconds(120)) == 0, "\(run.output)")
        let line = try #require(run.output.split(separator: "\n").last { $0.hasPrefix("{") }, "\(run.output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    /// What the stand-in reports for each provider, and what each calls a tool call.
    struct Expected {
        var service: String
        var provider: String
        var input: Int
        var output: Int
        var cached: Int
        var toolCallID: String
    }

    typealias Tokens = StandInProvider.Tokens

    static let gemini = Expected(
        service: "gemini", provider: "Gemini generateContent", input: Tokens.geminiPrompt, output: Tokens.geminiOutput,
        cached: Tokens.geminiCached, toolCallID: "call_gemini-standin_0")
    static let cohere = Expected(
        service: "cohere", provider: "Cohere chat", input: Tokens.cohereInput, output: Tokens.cohereOutput, cached: 0,
        toolCallID: StandInReply.toolCallID)

    static let behindOpenAISDK = [
        Expected(
            service: "anthropic", provider: "Anthropic Messages",
            input: Tokens.anthropicInput + Tokens.anthropicCacheRead, output: Tokens.anthropicOutput,
            cached: Tokens.anthropicCacheRead, toolCallID: StandInReply.toolCallID),
        gemini, cohere,
    ]

    static let behindAnthropicSDK = [
        Expected(
            service: "openai", provider: "OpenAI Chat Completions", input: Tokens.openAIPrompt,
            output: Tokens.openAICompletion, cached: Tokens.openAICached, toolCallID: StandInReply.toolCallID),
        gemini, cohere,
    ]

    @Test("the OpenAI SDK calls a route that falls back from an OpenAI model to a Claude model, in OpenAI's shape")
    func routed() async throws {
        try await ProxyHarness.run(standIns: 2, chunkDelay: .milliseconds(1)) { harness in
            let second = try #require(harness.secondStandIn)
            try await harness.store(
                "openai", key: "sk-provider-openai-secret", meta: ["headers": ["x-stand-in-fail": "503"]])
            try await harness.store("anthropic", key: "sk-provider-anthropic-secret", meta: ["baseUrl": second.url])
            try await harness.createRoute([
                "name": "smart", "strategy": "fallback", "cooldownSeconds": 0,
                "targets": [
                    ["service": "openai", "model": "gpt-4o-mini"],
                    ["service": "anthropic", "model": "claude-3-5-haiku"],
                ],
            ])
            let result = try await Self.runScript("check_routes.py", harness)
            let words = StandInProvider.words.joined()
            let chat = result["chat"] as? [String: Any] ?? [:]
            #expect(chat["content"] as? String == words && chat["finish_reason"] as? String == "stop")
            #expect(chat["model"] as? String == "claude-3-5-haiku")
            #expect(chat["completion_tokens"] as? Int == Tokens.anthropicOutput)
            #expect(chat["route"] as? String == "smart" && chat["attempts"] as? String == "2")
            #expect(chat["served_by"] as? String == "anthropic/claude-3-5-haiku")
            #expect(result["stream_served_by"] as? String == "anthropic/claude-3-5-haiku")
            #expect(result["stream_text"] as? String == words)
            #expect(result["models"] as? [String] == ["smart"])
        }
    }

    @Test(
        "the OpenAI SDK calls Claude, Gemini and Cohere models and the Anthropic SDK OpenAI, Gemini and Cohere models, translated: chat, streams, tool round trips, JSON output, images, errors"
    )
    func translated() async throws {
        try await ProxyHarness.run(chunkDelay: .milliseconds(1)) { harness in
            for service in ["openai", "anthropic", "gemini", "cohere"] {
                try await harness.store(service, key: "sk-provider-\(service)-secret")
            }
            let result = try await Self.runScript("check_translation.py", harness)
            let words = StandInProvider.words.joined()
            func object(_ value: Any?, _ key: String) -> [String: Any] {
                (value as? [String: Any])?[key] as? [String: Any] ?? [:]
            }

            for expected in Self.behindOpenAISDK {
                let run = object(result["openai"], expected.service)
                let label = Comment(rawValue: "the OpenAI SDK calling \(expected.service)")
                let chat = object(run, "chat")
                #expect(chat["content"] as? String == words, label)
                #expect(chat["finish_reason"] as? String == "stop", label)
                #expect(chat["prompt_tokens"] as? Int == expected.input, label)
                #expect(chat["completion_tokens"] as? Int == expected.output, label)
                #expect(chat["cached_tokens"] as? Int == expected.cached, label)
                #expect(object(run, "stream")["text"] as? String == words, label)
                #expect(object(run, "stream")["completion_tokens"] as? Int == expected.output, label)
                let tools = object(run, "tools")
                #expect(tools["finish_reason"] as? String == "tool_calls", label)
                #expect(tools["id"] as? String == expected.toolCallID && tools["name"] as? String == "weather", label)
                #expect(tools["arguments"] as? [String: String] == ["city": "Paris"], label)
                #expect(tools["answer"] as? String == "The tool said: 18C and sunny", label)
                let streamed = run["stream_tools"] as? [[String: Any]] ?? []
                #expect(streamed.count == 1, label)
                #expect(streamed.first?["arguments"] as? [String: String] == ["city": "Paris"], label)
                #expect(streamed.first?["id"] as? String == expected.toolCallID, label)
                #expect(run["json"] as? [String: String] == ["city": "Paris"], label)
                #expect(run["image"] as? String == "I see 1 image(s)", label)
                let limited = object(object(run, "errors"), "rate_limited")
                #expect(limited["class"] as? String == "RateLimitError" && limited["status"] as? Int == 429, label)
                #expect((limited["message"] as? String)?.contains("stand-in failure 429") == true, label)
                let refused = object(object(run, "errors"), "refused_field")
                #expect(refused["class"] as? String == "BadRequestError" && refused["status"] as? Int == 400, label)
                let message = "`presence_penalty` cannot be translated to \(expected.provider)"
                #expect((refused["message"] as? String)?.contains(message) == true, "\(refused)")
            }

            for expected in Self.behindAnthropicSDK {
                let run = object(result["anthropic"], expected.service)
                let label = Comment(rawValue: "the Anthropic SDK calling \(expected.service)")
                let message = object(run, "messages")
                #expect(message["text"] as? String == words && message["stop_reason"] as? String == "end_turn", label)
                #expect(message["input_tokens"] as? Int == expected.input - expected.cached, label)
                #expect(message["cache_read_input_tokens"] as? Int == expected.cached, label)
                #expect(message["output_tokens"] as? Int == expected.output, label)
                let stream = object(run, "stream")
                #expect(
                    stream["types"] as? [String] == [
                        "message_start", "content_block_start", "content_block_delta", "content_block_delta",
                        "content_block_delta", "content_block_delta", "content_block_stop", "message_delta",
                        "message_stop",
                    ], label)
                #expect((stream["start_input_tokens"] as? Int ?? 0) > 0, "message_start carries input usage, never 0")
                #expect(stream["text"] as? String == words, label)
                #expect(stream["output_tokens"] as? Int == expected.output, label)
                #expect(stream["input_tokens"] as? Int == expected.input - expected.cached, label)
                let use = object(run, "tools")
                #expect(use["stop_reason"] as? String == "tool_use" && use["name"] as? String == "weather", label)
                #expect(use["id"] as? String == expected.toolCallID, label)
                #expect(use["input"] as? [String: String] == ["city": "Paris"], label)
                #expect(use["answer"] as? String == "The tool said: 18C and sunny", label)
                let streamed = run["stream_tools"] as? [[String: Any]] ?? []
                #expect(
                    streamed.count == 1 && streamed.first?["input"] as? [String: String] == ["city": "Paris"], label)
                let limited = object(object(run, "errors"), "rate_limited")
                #expect(limited["class"] as? String == "RateLimitError" && limited["status"] as? Int == 429, label)
                let refused = object(object(run, "errors"), "refused_field")
                #expect(refused["class"] as? String == "BadRequestError" && refused["status"] as? Int == 400, label)
                #expect(
                    (refused["message"] as? String)?.contains(
                        "`service_tier` cannot be translated to \(expected.provider)")
                        == true, "\(refused)")
            }

            // What the providers received: each its own native API.
            let requests = harness.standIn.requests
            #expect(!requests.contains { $0.json["presence_penalty"] != nil || $0.json["service_tier"] != nil })
            let toAnthropic = requests.filter { $0.path == "/v1/messages" }.map(\.json)
            #expect(toAnthropic.allSatisfy { $0["max_tokens"] as? Int == 4096 && $0["model"] as? String != nil })
            #expect(toAnthropic.first?["system"] as? String == "Be brief.")
            let toolResult = toAnthropic.compactMap {
                ($0["messages"] as? [[String: Any]])?.last?["content"] as? [[String: Any]]
            }
            .flatMap { $0 }.first { $0["type"] as? String == "tool_result" }
            #expect(toolResult?["tool_use_id"] as? String == StandInReply.toolCallID)
            let toGemini = requests.filter { $0.path.hasPrefix("/v1beta/models/gemini-2.0-flash:") }
            #expect(toGemini.allSatisfy { $0.header("x-goog-api-key") == "sk-provider-gemini-secret" })
            #expect(toGemini.contains { $0.path.hasSuffix(":streamGenerateContent") && $0.query == "alt=sse" })
            let geminiParts = toGemini.compactMap { $0.json["contents"] as? [[String: Any]] }.flatMap { $0 }
                .flatMap { $0["parts"] as? [[String: Any]] ?? [] }
            let functionResponse = geminiParts.compactMap { $0["functionResponse"] as? [String: Any] }.first
            #expect(functionResponse?["name"] as? String == "weather", "a Gemini function response names its function")
            #expect((functionResponse?["response"] as? [String: Any])?["result"] as? String == "18C and sunny")
            #expect(
                geminiParts.contains { ($0["inlineData"] as? [String: Any])?["mimeType"] as? String == "image/png" })
            #expect(
                toGemini.contains {
                    (($0.json["tools"] as? [[String: Any]])?.first?["functionDeclarations"] as? [[String: Any]])?
                        .first?[
                            "parametersJsonSchema"] != nil
                })
            #expect(toGemini.contains { ($0.json["systemInstruction"] as? [String: Any]) != nil })
            let toCohere = requests.filter { $0.path == "/v2/chat" }.map(\.json)
            let cohereTool = toCohere.compactMap { $0["messages"] as? [[String: Any]] }.flatMap { $0 }
                .first { $0["role"] as? String == "tool" }
            #expect(cohereTool?["tool_call_id"] as? String == StandInReply.toolCallID)
            #expect(toCohere.contains { ($0["response_format"] as? [String: Any])?["json_schema"] != nil })
            let toOpenAI = requests.filter { $0.path == "/v1/chat/completions" }.map(\.json)
            #expect(toOpenAI.first?["max_completion_tokens"] as? Int == 64)
            let toolMessage = toOpenAI.compactMap { $0["messages"] as? [[String: Any]] }.flatMap { $0 }
                .first { $0["role"] as? String == "tool" }
            #expect(toolMessage?["content"] as? String == "18C and sunny")

            // Metered from each provider's own usage: the provider's model, the client's endpoint, marked translated.
            let events = try await harness.usageEvents(45, timeout: .seconds(40))
            #expect(events.count == 45, "one event per call that was not refused before it was sent")
            #expect(events.allSatisfy { $0.translated == true })
            for (expected, endpoint, calls) in Self.behindOpenAISDK.map({ ($0, "/v1/chat/completions", 8) })
                + Self.behindAnthropicSDK.map({ ($0, "/v1/messages", 7) })
            {
                let mine = events.filter { $0.service == expected.service && $0.endpoint == endpoint }
                #expect(mine.count == calls, "\(expected.service) \(endpoint)")
                let answered = mine.filter { $0.status == 200 }
                #expect(answered.count == calls - 1, "\(expected.service) \(endpoint)")
                #expect(
                    answered.allSatisfy { $0.promptTokens == expected.input && $0.completionTokens == expected.output })
                #expect(answered.allSatisfy { $0.cachedTokens == expected.cached && !$0.estimated })
                #expect(answered.allSatisfy { $0.model?.contains("/") == false })
            }
        }
    }
}

extension SDKTests {
    @Test(
        "the OpenAI SDK's Responses API: passed through to an OpenAI model, translated for a Claude model, streamed and not"
    )
    func responses() async throws {
        try await ProxyHarness.run(chunkDelay: .milliseconds(1)) { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            try await harness.store("anthropic", key: "sk-ant-provider-secret")
            let result = try await Self.runScript("check_responses.py", harness)
            let words = StandInProvider.words.joined()
            func object(_ value: Any?, _ key: String) -> [String: Any] {
                (value as? [String: Any])?[key] as? [String: Any] ?? [:]
            }
            for (service, input, output, cached) in [
                ("openai", Tokens.openAIPrompt, Tokens.openAICompletion, Tokens.openAICached),
                (
                    "anthropic", Tokens.anthropicInput + Tokens.anthropicCacheRead, Tokens.anthropicOutput,
                    Tokens.anthropicCacheRead
                ),
            ] {
                let plain = object(result[service], "plain")
                #expect(plain["text"] as? String == words && plain["status"] as? String == "completed", "\(service)")
                #expect(
                    plain["input_tokens"] as? Int == input && plain["output_tokens"] as? Int == output, "\(service)")
                #expect(plain["cached_tokens"] as? Int == cached, "\(service)")
                let stream = object(result[service], "stream")
                #expect(stream["deltas"] as? String == words && stream["text"] as? String == words, "\(service)")
                #expect(stream["first"] as? String == "response.created", "\(service)")
                #expect(stream["last"] as? String == "response.completed", "\(service)")
                #expect(stream["output_tokens"] as? Int == output, "\(service)")
            }
            let tools = object(result["anthropic"], "tools")
            #expect(tools["call_id"] as? String == StandInReply.toolCallID && tools["name"] as? String == "weather")
            #expect(tools["arguments"] as? [String: String] == ["city": "Paris"])
            #expect(tools["answer"] as? String == "The tool said: 18C and sunny")
            let streamed = object(result, "anthropic")["stream_tools"] as? [[String: Any]] ?? []
            #expect(streamed.count == 1 && streamed.first?["arguments"] as? [String: String] == ["city": "Paris"])
            let errors = object(result["anthropic"], "errors")
            #expect((errors["rate_limited"] as? [String: Any])?["class"] as? String == "RateLimitError")
            let refused = errors["refused_field"] as? [String: Any] ?? [:]
            #expect(refused["class"] as? String == "BadRequestError")
            #expect(
                (refused["message"] as? String)?.contains("`include` cannot be translated to Anthropic Messages")
                    == true,
                "\(refused)")

            let gatewayError = result["gateway_error"] as? [String: Any] ?? [:]
            #expect(gatewayError["class"] as? String == "AuthenticationError" && gatewayError["status"] as? Int == 401)
            #expect((gatewayError["message"] as? String)?.contains("invalid API key") == true, "\(gatewayError)")

            // OpenAI got the Responses API itself; Anthropic its Messages API.
            let requests = harness.standIn.requests
            #expect(requests.filter { $0.path == "/v1/responses" }.count == 2)
            #expect(requests.filter { $0.path == "/v1/responses" }.allSatisfy { $0.json["input"] as? String == "Hi" })
            let toAnthropic = requests.filter { $0.path == "/v1/messages" }.map(\.json)
            #expect(toAnthropic.first?["system"] as? String == "Be brief.")
            // Pass-through calls are metered from the Responses API's usage, translated ones marked.
            let events = try await harness.usageEvents(8, timeout: .seconds(25))
            #expect(events.count == 8, "one event per call that was not refused before it was sent")
            let passed = events.filter { $0.service == "openai" }
            #expect(passed.count == 2 && passed.allSatisfy { $0.translated == nil && $0.endpoint == "/v1/responses" })
            #expect(
                passed.allSatisfy {
                    $0.promptTokens == Tokens.openAIPrompt && $0.completionTokens == Tokens.openAICompletion
                })
            #expect(passed.allSatisfy { $0.cachedTokens == Tokens.openAICached && !$0.estimated })
            let translated = events.filter { $0.service == "anthropic" }
            #expect(
                translated.count == 6
                    && translated.allSatisfy { $0.translated == true && $0.endpoint == "/v1/responses" })
        }
    }
}
