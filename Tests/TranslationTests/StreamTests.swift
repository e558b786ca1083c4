import Testing

@testable import Translation

/// Streams translated event by event, whatever the byte boundaries of the provider's chunks.
@Suite("Translation: streams")
struct StreamTests {
    /// Anthropic's stream of a text block then two tool calls, their arguments split across deltas.
    static let anthropicStream = Fixture.sse([
        (
            "message_start",
            #"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":21,"output_tokens":1,"cache_read_input_tokens":4,"cache_creation_input_tokens":0}}}"#
        ),
        ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
        ("ping", #"{"type": "ping"}"#),
        (
            "content_block_delta",
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me "}}"#
        ),
        (
            "content_block_delta",
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"check ✓"}}"#
        ),
        ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
        (
            "content_block_start",
            #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_A","name":"weather","input":{}}}"#
        ),
        (
            "content_block_delta",
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"#
        ),
        (
            "content_block_delta",
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"ci"}}"#
        ),
        (
            "content_block_delta",
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ty\": \"Par"}}"#
        ),
        (
            "content_block_delta",
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"is\"}"}}"#
        ),
        ("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
        (
            "content_block_start",
            #"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_B","name":"weather","input":{}}}"#
        ),
        (
            "content_block_delta",
            #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Rome\"}"}}"#
        ),
        ("content_block_stop", #"{"type":"content_block_stop","index":2}"#),
        (
            "message_delta",
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":32}}"#
        ),
        ("message_stop", #"{"type":"message_stop"}"#),
    ])

    func openAIRequest(includeUsage: Bool) throws -> ChatRequest {
        let options = includeUsage ? #","stream_options":{"include_usage":true}"# : ""
        return try Translator.openAIToAnthropic.request(
            Array(
                #"{"model":"claude-3-5-haiku-latest","stream":true,"messages":[{"role":"user","content":"hi"}]\#(options)}"#
                    .utf8)
        ).request
    }

    @Test(
        "Anthropic → OpenAI: text, parallel tool calls with split arguments, finish, usage chunk, [DONE]; any chunking",
        arguments: [1, 2, 3, 17, 100_000])
    func anthropicToOpenAI(size: Int) throws {
        let request = try openAIRequest(includeUsage: true)
        let out = Fixture.translate(Self.anthropicStream, .openAIToAnthropic, request: request, size: size)
        let events = try Fixture.events(out)
        #expect(events.last?.data == "[DONE]")
        let chunks = events.dropLast().map(\.data)
        #expect(chunks.allSatisfy { $0["object"] == "chat.completion.chunk" && $0["id"] == "msg_1" })
        let deltas = chunks.compactMap { $0["choices"]?.array?.first?["delta"] }
        #expect(deltas.first?["role"] == "assistant")
        #expect(deltas.compactMap { $0["content"]?.string }.joined() == "Let me check ✓")
        let calls = deltas.flatMap { $0["tool_calls"]?.array ?? [] }
        #expect(calls.filter { $0["id"] != nil }.map { $0["id"]?.string } == ["toolu_A", "toolu_B"])
        #expect(calls.filter { $0["id"] != nil }.map { $0["function"]?["name"]?.string } == ["weather", "weather"])
        func arguments(_ index: Int) -> String {
            calls.filter { $0["index"]?.int == index }.compactMap { $0["function"]?["arguments"]?.string }.joined()
        }
        #expect(arguments(0) == #"{"city": "Paris"}"#)
        #expect(arguments(1) == #"{"city": "Rome"}"#)
        let finishes = chunks.compactMap { $0["choices"]?.array?.first?["finish_reason"]?.string }
        #expect(finishes == ["tool_calls"])
        let usage = try #require(chunks.last?["usage"])
        #expect(chunks.last?["choices"] == [])
        #expect(usage["prompt_tokens"]?.int == 25)
        #expect(usage["completion_tokens"]?.int == 32)
        #expect(usage["prompt_tokens_details"]?["cached_tokens"]?.int == 4)
        // Every byte boundary gives the same stream as one chunk (but for `created`, the second each
        // translation started in).
        let whole = Fixture.translate(Self.anthropicStream, .openAIToAnthropic, request: request, size: 100_000)
        #expect(Fixture.withoutCreated(out) == Fixture.withoutCreated(whole))
    }

    @Test("Anthropic → OpenAI without include_usage: no usage chunk the client did not ask for")
    func noUsageChunk() throws {
        let events = try Fixture.events(
            Fixture.translate(
                Self.anthropicStream, .openAIToAnthropic, request: try openAIRequest(includeUsage: false), size: 50))
        #expect(!events.contains { $0.data["usage"]?.object != nil })
        #expect(events.last?.data == "[DONE]")
    }

    @Test("each event is translated as it completes: the first goes out before the provider's second arrives")
    func incremental() throws {
        var stream = Translator.openAIToAnthropic.stream(
            for: try openAIRequest(includeUsage: false), estimatedInputTokens: 5)
        let first = Fixture.sse([
            (
                "message_start",
                #"{"type":"message_start","message":{"id":"msg_1","model":"c","usage":{"input_tokens":3,"output_tokens":1}}}"#
            )
        ])
        #expect(stream.push(first.dropLast()).isEmpty, "an incomplete event waits")
        let out = stream.push(first.suffix(1))
        #expect(try Fixture.events(out).first?.data["choices"]?.array?.first?["delta"]?["role"] == "assistant")
    }

    @Test("an error inside Anthropic's stream reaches the OpenAI client as an error chunk")
    func midStreamError() throws {
        let stream = Fixture.sse([
            (
                "message_start",
                #"{"type":"message_start","message":{"id":"msg_1","model":"c","usage":{"input_tokens":3,"output_tokens":1}}}"#
            ),
            ("error", #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#),
        ])
        let events = try Fixture.events(
            Fixture.translate(stream, .openAIToAnthropic, request: try openAIRequest(includeUsage: false), size: 9))
        #expect(events.last?.data["error"]?["message"] == "Overloaded")
    }

    // MARK: - OpenAI provider, Anthropic client

    /// OpenAI's stream of text then two tool calls (arguments in pieces), finish, usage, [DONE].
    static let openAIStream = Fixture.sse(
        [
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"On it"},"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"weather","arguments":""}}]},"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":40,"completion_tokens":12,"total_tokens":52,"prompt_tokens_details":{"cached_tokens":8}}}"#,
            "[DONE]",
        ].map { (nil, $0) })

    func anthropicRequest() throws -> ChatRequest {
        try Translator.anthropicToOpenAI.request(
            Array(
                #"{"model":"gpt-4o-mini","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#
                    .utf8)
        ).request
    }

    @Test(
        "OpenAI → Anthropic: message_start with input usage > 0, blocks in order, tool_use with input_json_delta, message_delta usage, message_stop; any chunking",
        arguments: [1, 5, 100_000])
    func openAIToAnthropic(size: Int) throws {
        let out = Fixture.translate(
            Self.openAIStream, .anthropicToOpenAI, request: try anthropicRequest(), estimatedInputTokens: 37, size: size
        )
        let events = try Fixture.events(out)
        #expect(events.allSatisfy { $0.name == $0.data["type"]?.string }, "every event named as its type")
        #expect(
            events.map(\.name) == [
                "message_start",
                "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop",
            ])
        let start = events[0].data["message"]
        #expect(start?["id"] == "chatcmpl-1")
        #expect(start?["model"] == "gpt-4o-mini")
        #expect(start?["usage"]?["input_tokens"]?.int == 37, "the estimate: OpenAI says input usage only at the end")
        #expect(events[1].data["content_block"] == ["type": "text", "text": ""])
        #expect(events[2].data["delta"] == ["type": "text_delta", "text": "On it"])
        #expect(events[4].data["index"] == 1)
        #expect(
            events[4].data["content_block"] == ["type": "tool_use", "id": "call_A", "name": "weather", "input": [:]])
        let arguments = events[5...6].compactMap { $0.data["delta"]?["partial_json"]?.string }.joined()
        #expect(arguments == #"{"city":"Paris"}"#)
        #expect(events[8].data["content_block"]?["id"] == "call_B")
        #expect(events[9].data["delta"]?["partial_json"] == #"{"city":"Rome"}"#)
        let delta = events[11].data
        #expect(delta["delta"]?["stop_reason"] == "tool_use")
        #expect(delta["usage"]?["output_tokens"]?.int == 12)
        #expect(delta["usage"]?["input_tokens"]?.int == 32, "the real input, without the cached part")
        #expect(delta["usage"]?["cache_read_input_tokens"]?.int == 8)
    }

    @Test("a provider stream cut short still ends the client's stream properly")
    func cutShort() throws {
        let cut = Self.openAIStream.prefix(
            upTo: Self.openAIStream.firstRange(
                of: Array(
                    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\""
                        .utf8))!.lowerBound)
        let events = try Fixture.events(
            Fixture.translate(Array(cut), .anthropicToOpenAI, request: try anthropicRequest(), size: 4))
        #expect(events.map(\.name).suffix(3) == ["content_block_stop", "message_delta", "message_stop"])
    }
}
