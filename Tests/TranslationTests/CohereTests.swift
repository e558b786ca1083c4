import Testing

@testable import Translation

/// OpenAI- and Anthropic-dialect clients calling a model behind Cohere's v2 chat API.
@Suite("Translation: → Cohere chat")
struct CohereTests {
    static let openAI = Translator(client: OpenAIChat(), provider: CohereChat())
    static let anthropic = Translator(client: AnthropicMessages(), provider: CohereChat())

    func provider(_ request: String, via translator: Translator = openAI) throws -> (ChatRequest, JSON) {
        let (read, body) = try translator.request(Array(request.utf8))
        return (read, try JSON(parsing: body))
    }

    @Test("system, images, a tool round trip, a named tool forced by offering it alone, JSON schema, p and k")
    func request() throws {
        let (_, body) = try provider(
            #"""
            {"model":"command-r-plus","max_tokens":200,"temperature":0.3,"top_p":0.75,"top_k":20,"stop_sequences":["END"],
             "system":"Be brief.","tool_choice":{"type":"tool","name":"weather"},
             "tools":[{"name":"weather","input_schema":{"type":"object"}},{"name":"time","input_schema":{"type":"object"}}],
             "messages":[{"role":"user","content":[{"type":"text","text":"Look"},{"type":"image","source":{"type":"url","url":"https://example.com/c.png"}}]},
               {"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"tc_1","name":"weather","input":{"city":"Paris"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"tc_1","content":"18C"}]}]}
            """#, via: Self.anthropic)
        let expected = try Fixture.json(
            #"""
            {"model":"command-r-plus","messages":[{"role":"system","content":"Be brief."},
               {"role":"user","content":[{"type":"text","text":"Look"},{"type":"image_url","image_url":{"url":"https://example.com/c.png"}}]},
               {"role":"assistant","content":"Checking.","tool_calls":[{"id":"tc_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},
               {"role":"tool","tool_call_id":"tc_1","content":"18C"}],
             "tool_choice":"REQUIRED",
             "tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}],
             "stop_sequences":["END"],"max_tokens":200,"temperature":0.3,"p":0.75,"k":20}
            """#)
        #expect(Fixture.same(body, expected), "\(body.text)")
        let (_, json) = try provider(
            #"{"model":"c","response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}},"messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(
            Fixture.same(
                try #require(json["response_format"]), ["type": "json_object", "json_schema": ["type": "object"]]))
    }

    @Test("parallel_tool_calls false is refused naming it: Cohere has no such switch")
    func parallel() {
        #expect {
            try Self.openAI.request(
                Array(
                    #"{"model":"c","parallel_tool_calls":false,"tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"}]}"#
                        .utf8))
        } throws: { error in
            "\(error)".contains("`parallel_tool_calls` cannot be translated to Cohere chat")
        }
    }

    @Test("an answer with a tool plan and tool calls, to both dialects; billed units as usage")
    func answer() throws {
        let body = #"""
            {"id":"c-1","finish_reason":"TOOL_CALL","message":{"role":"assistant","tool_plan":"I will check.",
              "tool_calls":[{"id":"weather_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},
             "usage":{"billed_units":{"input_tokens":13,"output_tokens":6},"tokens":{"input_tokens":213,"output_tokens":6}}}
            """#
        let (request, _) = try provider(#"{"model":"command-r-plus","messages":[{"role":"user","content":"hi"}]}"#)
        let openAI = try JSON(parsing: Self.openAI.answer(status: 200, body: Array(body.utf8), for: request).body)
        let message = openAI["choices"]?.array?.first?["message"]
        #expect(message?["reasoning_content"] == "I will check.")
        #expect(message?["tool_calls"]?.array?.first?["id"] == "weather_1")
        #expect(openAI["choices"]?.array?.first?["finish_reason"] == "tool_calls")
        #expect(openAI["usage"]?["prompt_tokens"] == 13 && openAI["usage"]?["completion_tokens"] == 6)
        let anthropic = try JSON(parsing: Self.anthropic.answer(status: 200, body: Array(body.utf8), for: request).body)
        #expect(anthropic["content"]?.array?.map { $0["type"]?.string } == ["thinking", "tool_use"])
        #expect(anthropic["content"]?.array?.last?["input"] == ["city": "Paris"])
        #expect(anthropic["stop_reason"] == "tool_use")
    }

    /// Cohere's stream: a tool plan, two tool calls with arguments in pieces, the end with usage.
    static let stream = Fixture.sse([
        ("message-start", #"{"id":"c-1","type":"message-start","delta":{"message":{"role":"assistant"}}}"#),
        ("tool-plan-delta", #"{"type":"tool-plan-delta","delta":{"message":{"tool_plan":"I will "}}}"#),
        ("tool-plan-delta", #"{"type":"tool-plan-delta","delta":{"message":{"tool_plan":"check."}}}"#),
        (
            "tool-call-start",
            #"{"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"w_1","type":"function","function":{"name":"weather","arguments":""}}}}}"#
        ),
        (
            "tool-call-delta",
            #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"{\"city\":"}}}}}"#
        ),
        (
            "tool-call-delta",
            #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":" \"Paris\"}"}}}}}"#
        ),
        ("tool-call-end", #"{"type":"tool-call-end","index":0}"#),
        (
            "tool-call-start",
            #"{"type":"tool-call-start","index":1,"delta":{"message":{"tool_calls":{"id":"w_2","type":"function","function":{"name":"weather","arguments":"{\"city\": \"Rome\"}"}}}}}"#
        ),
        ("tool-call-end", #"{"type":"tool-call-end","index":1}"#),
        (
            "message-end",
            #"{"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"billed_units":{"input_tokens":13,"output_tokens":6}}}}"#
        ),
    ])

    @Test(
        "a stream to the OpenAI dialect: reasoning, two tool calls assembled from pieces, finish, usage; any chunking",
        arguments: [1, 4, 100_000])
    func streamToOpenAI(size: Int) throws {
        let (request, _) = try provider(
            #"{"model":"command-r-plus","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}"#
        )
        let events = try Fixture.events(Fixture.translate(Self.stream, Self.openAI, request: request, size: size))
        #expect(events.last?.data == "[DONE]")
        let chunks: [JSON] = events.dropLast().map { $0.data }
        let deltas: [JSON] = chunks.compactMap { $0["choices"]?.array?.first?["delta"] }
        #expect(deltas.compactMap { $0["reasoning_content"]?.string }.joined() == "I will check.")
        let calls: [JSON] = deltas.flatMap { $0["tool_calls"]?.array ?? [] }
        #expect(calls.compactMap { $0["id"]?.string } == ["w_1", "w_2"])
        func arguments(_ index: Int) -> String {
            calls.filter { $0["index"]?.int == index }.compactMap { $0["function"]?["arguments"]?.string }.joined()
        }
        #expect(arguments(0) == #"{"city": "Paris"}"#)
        #expect(arguments(1) == #"{"city": "Rome"}"#)
        #expect(chunks.compactMap { $0["choices"]?.array?.first?["finish_reason"]?.string } == ["tool_calls"])
        #expect(chunks.last?["usage"]?["prompt_tokens"] == 13)
    }

    @Test(
        "a stream to the Anthropic dialect: a thinking block, then a tool_use block per call; any chunking",
        arguments: [1, 100_000])
    func streamToAnthropic(size: Int) throws {
        let (request, _) = try provider(
            #"{"model":"command-r-plus","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#,
            via: Self.anthropic)
        let events = try Fixture.events(Fixture.translate(Self.stream, Self.anthropic, request: request, size: size))
        let starts = events.filter { $0.name == "content_block_start" }.map {
            $0.data["content_block"]?["type"]?.string
        }
        #expect(starts == ["thinking", "tool_use", "tool_use"])
        let json = events.compactMap { $0.data["delta"]?["partial_json"]?.string }
        #expect(json == [#"{"city":"#, #" "Paris"}"#, #"{"city": "Rome"}"#])
        #expect(events.suffix(2).map(\.name) == ["message_delta", "message_stop"])
        #expect(events[events.count - 2].data["usage"]?["output_tokens"] == 6)
    }

    @Test("errors: Cohere's {message} in each dialect's shape, with the status")
    func errors() throws {
        let (request, _) = try provider(#"{"model":"c","messages":[{"role":"user","content":"hi"}]}"#)
        let body = Array(
            #"{"id":"e-1","message":"You are using a Trial key, which is limited to 10 API calls / minute."}"#.utf8)
        let (status, out) = Self.openAI.answer(status: 429, body: body, for: request)
        #expect(status == 429)
        let error = try JSON(parsing: out)["error"]
        #expect(
            error?["type"] == "rate_limit_error"
                && error?["message"]?.string?.hasPrefix("You are using a Trial key") == true)
        let (_, unreadable) = Self.anthropic.answer(
            status: 502, body: Array("<html>bad gateway</html>".utf8), for: request)
        #expect(try JSON(parsing: unreadable)["error"]?["message"] == "<html>bad gateway</html>")
    }
}
