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

    @Test(
        "the OpenAI SDK calls a Claude model and the Anthropic SDK an OpenAI model, translated: chat, streams, tool round trips, JSON output, images, errors"
    )
    func translated() async throws {
        try await ProxyHarness.run(chunkDelay: .milliseconds(1)) { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            try await harness.store("anthropic", key: "sk-ant-provider-secret")
            let result = try await Self.runScript("check_translation.py", harness)
            let words = StandInProvider.words.joined()
            typealias Tokens = StandInProvider.Tokens
            let object = { (key: String) in result[key] as? [String: Any] ?? [:] }

            // The OpenAI SDK against Anthropic's Messages API.
            let chat = object("openai_chat")
            #expect(chat["content"] as? String == words)
            #expect(chat["finish_reason"] as? String == "stop")
            #expect(chat["prompt_tokens"] as? Int == Tokens.anthropicInput + Tokens.anthropicCacheRead)
            #expect(chat["completion_tokens"] as? Int == Tokens.anthropicOutput)
            #expect(chat["cached_tokens"] as? Int == Tokens.anthropicCacheRead)
            #expect(object("openai_stream")["text"] as? String == words)
            #expect(object("openai_stream")["completion_tokens"] as? Int == Tokens.anthropicOutput)
            let tools = object("openai_tools")
            #expect(tools["finish_reason"] as? String == "tool_calls")
            #expect(tools["id"] as? String == StandInReply.toolCallID && tools["name"] as? String == "weather")
            #expect(tools["arguments"] as? [String: String] == ["city": "Paris"])
            #expect(tools["answer"] as? String == "The tool said: 18C and sunny")
            let streamedCalls = result["openai_stream_tools"] as? [[String: Any]] ?? []
            #expect(streamedCalls.count == 1)
            #expect(streamedCalls.first?["arguments"] as? [String: String] == ["city": "Paris"])
            #expect(streamedCalls.first?["id"] as? String == StandInReply.toolCallID)
            #expect(result["openai_json"] as? [String: String] == ["city": "Paris"])
            #expect(result["openai_image"] as? String == "I see 1 image(s)")
            let openAIErrors = object("openai_errors")
            let limited = openAIErrors["rate_limited"] as? [String: Any] ?? [:]
            #expect(limited["class"] as? String == "RateLimitError" && limited["status"] as? Int == 429)
            #expect((limited["message"] as? String)?.contains("stand-in failure 429") == true)
            let refused = openAIErrors["refused_field"] as? [String: Any] ?? [:]
            #expect(refused["class"] as? String == "BadRequestError" && refused["status"] as? Int == 400)
            #expect(
                (refused["message"] as? String)?.contains(
                    "`presence_penalty` cannot be translated to Anthropic Messages")
                    == true, "\(refused)")

            // The Anthropic SDK against OpenAI's Chat Completions API.
            let message = object("anthropic_messages")
            #expect(message["text"] as? String == words && message["stop_reason"] as? String == "end_turn")
            #expect(message["input_tokens"] as? Int == Tokens.openAIPrompt - Tokens.openAICached)
            #expect(message["cache_read_input_tokens"] as? Int == Tokens.openAICached)
            #expect(message["output_tokens"] as? Int == Tokens.openAICompletion)
            let stream = object("anthropic_stream")
            #expect(
                stream["types"] as? [String] == [
                    "message_start", "content_block_start", "content_block_delta", "content_block_delta",
                    "content_block_delta", "content_block_delta", "content_block_stop", "message_delta",
                    "message_stop",
                ])
            #expect((stream["start_input_tokens"] as? Int ?? 0) > 0, "message_start carries input usage, never 0")
            #expect(stream["text"] as? String == words)
            #expect(stream["output_tokens"] as? Int == Tokens.openAICompletion)
            #expect(stream["input_tokens"] as? Int == Tokens.openAIPrompt - Tokens.openAICached)
            let use = object("anthropic_tools")
            #expect(use["stop_reason"] as? String == "tool_use" && use["name"] as? String == "weather")
            #expect(use["id"] as? String == StandInReply.toolCallID)
            #expect(use["input"] as? [String: String] == ["city": "Paris"])
            #expect(use["answer"] as? String == "The tool said: 18C and sunny")
            let streamedUses = result["anthropic_stream_tools"] as? [[String: Any]] ?? []
            #expect(streamedUses.count == 1 && streamedUses.first?["input"] as? [String: String] == ["city": "Paris"])
            let anthropicErrors = object("anthropic_errors")
            let rateLimited = anthropicErrors["rate_limited"] as? [String: Any] ?? [:]
            #expect(rateLimited["class"] as? String == "RateLimitError" && rateLimited["status"] as? Int == 429)
            let topK = anthropicErrors["refused_field"] as? [String: Any] ?? [:]
            #expect(topK["class"] as? String == "BadRequestError" && topK["status"] as? Int == 400)
            #expect((topK["message"] as? String)?.contains("`top_k` cannot be translated") == true, "\(topK)")

            // What the providers received: each its own native API.
            let requests = harness.standIn.requests
            // (The error models' calls are retried by the proxy: left out of the counts.)
            let answered = requests.map(\.json).filter { ($0["model"] as? String)?.hasPrefix("error-") == false }
            let toAnthropic = answered.filter { $0["max_tokens"] != nil }
            let toOpenAI = answered.filter { $0["max_tokens"] == nil }
            #expect(requests.filter { $0.path == "/v1/messages" }.count == toAnthropic.count + 3)
            #expect(toAnthropic.count == 7 && toOpenAI.count == 6, "the refused calls reached nothing")
            #expect(!requests.contains { $0.json["presence_penalty"] != nil || $0.json["top_k"] != nil })
            #expect(toAnthropic.allSatisfy { $0["model"] as? String != nil && $0["max_tokens"] as? Int == 4096 })
            #expect(toAnthropic.first?["system"] as? String == "Be brief.")
            let roundTrip = toAnthropic.first { ($0["messages"] as? [Any])?.count == 3 }
            let toolResult = ((roundTrip?["messages"] as? [[String: Any]])?.last?["content"] as? [[String: Any]])?.first
            #expect(toolResult?["type"] as? String == "tool_result")
            #expect(toolResult?["tool_use_id"] as? String == StandInReply.toolCallID)
            let image = toAnthropic.compactMap {
                ($0["messages"] as? [[String: Any]])?.first?["content"] as? [[String: Any]]
            }
            .flatMap { $0 }.first { $0["type"] as? String == "image" }
            #expect((image?["source"] as? [String: Any])?["media_type"] as? String == "image/png")
            #expect(toOpenAI.first?["max_completion_tokens"] as? Int == 64)
            #expect((toOpenAI.first?["messages"] as? [[String: Any]])?.first?["role"] as? String == "system")
            let toolMessage = toOpenAI.compactMap { $0["messages"] as? [[String: Any]] }.flatMap { $0 }
                .first { $0["role"] as? String == "tool" }
            #expect(toolMessage?["tool_call_id"] as? String == StandInReply.toolCallID)
            #expect(toolMessage?["content"] as? String == "18C and sunny")

            // Metered: the provider's model, the client's endpoint, marked translated.
            let events = try await harness.usageEvents(15, timeout: .seconds(25))
            #expect(events.count == 15, "one event per call that was not refused before it was sent")
            #expect(events.allSatisfy { $0.translated == true })
            let claudeCalls = events.filter { $0.service == "anthropic" }
            #expect(claudeCalls.count == 8 && claudeCalls.allSatisfy { $0.endpoint == "/v1/chat/completions" })
            #expect(claudeCalls.filter { $0.status == 200 }.allSatisfy { $0.model == "claude-3-5-haiku-latest" })
            #expect(
                claudeCalls.first { $0.status == 200 }?.promptTokens == Tokens.anthropicInput
                    + Tokens.anthropicCacheRead)
            let gptCalls = events.filter { $0.service == "openai" }
            #expect(gptCalls.count == 7 && gptCalls.allSatisfy { $0.endpoint == "/v1/messages" })
            #expect(gptCalls.filter { $0.status == 200 }.allSatisfy { $0.model == "gpt-4o-mini" && !$0.estimated })
        }
    }
}
