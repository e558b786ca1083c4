import Testing

@testable import Translation

/// OpenAI- and Anthropic-dialect clients calling a model behind Gemini's own API.
@Suite("Translation: → Gemini generateContent")
struct GeminiTests {
    static let openAI = Translator(client: OpenAIChat(), provider: GeminiGenerateContent())
    static let anthropic = Translator(client: AnthropicMessages(), provider: GeminiGenerateContent())

    func provider(_ request: String, via translator: Translator = openAI) throws -> (ChatRequest, JSON) {
        let (read, body) = try translator.request(Array(request.utf8))
        return (read, try JSON(parsing: body))
    }

    @Test(
        "system, images inline and by URL, a tool round trip with the function's name, forced tool, JSON schema, generation settings"
    )
    func request() throws {
        let (_, body) = try provider(
            #"""
            {"model":"gemini-2.0-flash","max_tokens":100,"temperature":0.3,"top_p":0.9,"stop":["END"],
             "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"}}},
             "tool_choice":{"type":"function","function":{"name":"weather"}},
             "tools":[{"type":"function","function":{"name":"weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"additionalProperties":false}}}],
             "messages":[{"role":"system","content":"Be brief."},
               {"role":"user","content":[{"type":"text","text":"Here:"},
                 {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}},
                 {"type":"image_url","image_url":{"url":"https://example.com/a/cat.PNG?size=2"}}]},
               {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},
               {"role":"tool","tool_call_id":"call_1","content":"{\"temp\":18}"},
               {"role":"tool","tool_call_id":"call_1","content":"sunny"}]}
            """#)
        let expected = try Fixture.json(
            #"""
            {"contents":[
               {"role":"user","parts":[{"text":"Here:"},{"inlineData":{"mimeType":"image/jpeg","data":"/9j/4AAQ"}},
                 {"fileData":{"mimeType":"image/png","fileUri":"https://example.com/a/cat.PNG?size=2"}}]},
               {"role":"model","parts":[{"functionCall":{"id":"call_1","name":"weather","args":{"city":"Paris"}}}]},
               {"role":"user","parts":[{"functionResponse":{"id":"call_1","name":"weather","response":{"temp":18}}},
                 {"functionResponse":{"id":"call_1","name":"weather","response":{"result":"sunny"}}}]}],
             "systemInstruction":{"parts":[{"text":"Be brief."}]},
             "tools":[{"functionDeclarations":[{"name":"weather","description":"Weather",
               "parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},"additionalProperties":false}}]}],
             "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["weather"]}},
             "generationConfig":{"stopSequences":["END"],"maxOutputTokens":100,"temperature":0.3,"topP":0.9,
               "responseMimeType":"application/json","responseJsonSchema":{"type":"object"}}}
            """#)
        #expect(Fixture.same(body, expected), "\(body.text)")
    }

    @Test("Anthropic's top_k goes to topK; tool_choice any and none to ANY and NONE")
    func anthropicSettings() throws {
        let (_, body) = try provider(
            #"{"model":"g","max_tokens":10,"top_k":40,"tool_choice":{"type":"any"},"tools":[{"name":"f","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"hi"}]}"#,
            via: Self.anthropic)
        #expect(body["generationConfig"]?["topK"] == 40)
        #expect(body["toolConfig"]?["functionCallingConfig"]?["mode"] == "ANY")
        let (_, none) = try provider(
            #"{"model":"g","tool_choice":"none","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(none["toolConfig"]?["functionCallingConfig"]?["mode"] == "NONE")
    }

    @Test(
        "what Gemini cannot take is refused naming it",
        arguments: [
            (
                #"{"model":"g","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/picture"}}]}]}"#,
                "`messages[0].content[0]` cannot be translated to Gemini generateContent: an image URL without a known image extension"
            ),
            (
                #"{"model":"g","parallel_tool_calls":false,"tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"}]}"#,
                "`parallel_tool_calls` cannot be translated to Gemini generateContent"
            ),
            (
                #"{"model":"g","messages":[{"role":"tool","tool_call_id":"nope","content":"x"}]}"#,
                "answers tool call nope, which no earlier assistant message made"
            ),
        ])
    func refused(body: String, message: String) {
        #expect {
            try Self.openAI.request(Array(body.utf8))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    static let answer = #"""
        {"candidates":[{"content":{"role":"model","parts":[{"text":"Thinking it over.","thought":true},{"text":"Two cities."},
          {"functionCall":{"name":"weather","args":{"city":"Paris"}}},{"functionCall":{"id":"fc_2","name":"weather","args":{"city":"Rome"}}}]},
          "finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":30,"candidatesTokenCount":12,"thoughtsTokenCount":5,"totalTokenCount":47,"cachedContentTokenCount":10},
         "modelVersion":"gemini-2.0-flash-001","responseId":"resp_9"}
        """#

    @Test(
        "an answer with thoughts, text and parallel function calls, to OpenAI's shape: ids made when Gemini gives none")
    func answerToOpenAI() throws {
        let (request, _) = try provider(#"{"model":"gemini-2.0-flash","messages":[{"role":"user","content":"hi"}]}"#)
        let (status, out) = Self.openAI.answer(status: 200, body: Array(Self.answer.utf8), for: request)
        let client = try JSON(parsing: out)
        #expect(status == 200)
        let message = client["choices"]?.array?.first?["message"]
        #expect(message?["content"] == "Two cities.")
        #expect(message?["reasoning_content"] == "Thinking it over.")
        let calls = message?["tool_calls"]?.array ?? []
        #expect(calls.map { $0["id"]?.string } == ["call_resp_9_2", "fc_2"])
        #expect(calls.map { $0["function"]?["arguments"]?.string } == [#"{"city":"Paris"}"#, #"{"city":"Rome"}"#])
        #expect(client["choices"]?.array?.first?["finish_reason"] == "tool_calls")
        #expect(client["model"] == "gemini-2.0-flash-001")
        let usage: JSON = [
            "prompt_tokens": 30, "completion_tokens": 17, "total_tokens": 47,
            "prompt_tokens_details": ["cached_tokens": 10],
            "completion_tokens_details": ["reasoning_tokens": 5],
        ]
        #expect(Fixture.same(try #require(client["usage"]), usage))
    }

    @Test(
        "finish reasons map",
        arguments: [
            ("STOP", "stop", "end_turn"), ("MAX_TOKENS", "length", "max_tokens"),
            ("SAFETY", "content_filter", "refusal"),
            ("RECITATION", "content_filter", "refusal"),
        ])
    func finish(gemini: String, openAI: String, anthropic: String) throws {
        let body =
            #"{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"\#(gemini)"}],"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":1}}"#
        let (request, _) = try provider(#"{"model":"g","messages":[{"role":"user","content":"hi"}]}"#)
        let openAIAnswer = try JSON(parsing: Self.openAI.answer(status: 200, body: Array(body.utf8), for: request).body)
        #expect(openAIAnswer["choices"]?.array?.first?["finish_reason"]?.string == openAI)
        let anthropicAnswer = try JSON(
            parsing: Self.anthropic.answer(status: 200, body: Array(body.utf8), for: request).body)
        #expect(anthropicAnswer["stop_reason"]?.string == anthropic)
    }

    /// Gemini's stream (CRLF between events, as Google writes them): thoughts, text in pieces,
    /// then two whole function calls, the last event finishing with the full usage.
    static let stream: [UInt8] = Array(
        [
            #"{"candidates":[{"content":{"role":"model","parts":[{"text":"Hm","thought":true}]},"index":0}],"usageMetadata":{"promptTokenCount":30},"modelVersion":"gemini-2.0-flash-001","responseId":"resp_9"}"#,
            #"{"candidates":[{"content":{"role":"model","parts":[{"text":"Two "}]},"index":0}],"usageMetadata":{"promptTokenCount":30},"modelVersion":"gemini-2.0-flash-001","responseId":"resp_9"}"#,
            #"{"candidates":[{"content":{"role":"model","parts":[{"text":"cities."}]},"index":0}],"usageMetadata":{"promptTokenCount":30},"modelVersion":"gemini-2.0-flash-001","responseId":"resp_9"}"#,
            #"{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"weather","args":{"city":"Paris"}}},{"functionCall":{"name":"weather","args":{"city":"Rome"}}}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":30,"candidatesTokenCount":12,"totalTokenCount":42,"cachedContentTokenCount":10},"modelVersion":"gemini-2.0-flash-001","responseId":"resp_9"}"#,
        ].map { "data: \($0)\r\n\r\n" }.joined().utf8)

    @Test(
        "a stream to the Anthropic dialect: thinking, text and tool_use blocks in order, the real usage at the end; any chunking",
        arguments: [1, 3, 64, 100_000])
    func streamToAnthropic(size: Int) throws {
        let (request, _) = try provider(
            #"{"model":"gemini-2.0-flash","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#,
            via: Self.anthropic)
        let events = try Fixture.events(
            Fixture.translate(Self.stream, Self.anthropic, request: request, estimatedInputTokens: 8, size: size))
        #expect(
            events.map(\.name) == [
                "message_start",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop",
            ])
        #expect(
            events[0].data["message"]?["usage"]?["input_tokens"] == 8,
            "Gemini's first event has no full usage: the estimate")
        #expect(events[1].data["content_block"]?["type"] == "thinking")
        #expect(events[3].data["delta"]?["type"] == "signature_delta")
        #expect(events[5].data["content_block"]?["type"] == "text")
        #expect(
            events[9].data["content_block"] == [
                "type": "tool_use", "id": "call_resp_9_0", "name": "weather", "input": [:],
            ])
        #expect(events[10].data["delta"]?["partial_json"] == #"{"city":"Paris"}"#)
        #expect(events[12].data["content_block"]?["id"] == "call_resp_9_1")
        #expect(events[15].data["delta"]?["stop_reason"] == "tool_use")
        #expect(events[15].data["usage"]?["input_tokens"] == 20)
        #expect(events[15].data["usage"]?["cache_read_input_tokens"] == 10)
        #expect(events[15].data["usage"]?["output_tokens"] == 12)
    }

    @Test(
        "a stream to the OpenAI dialect: text, two tool calls, tool_calls finish, the usage chunk; any chunking",
        arguments: [1, 7, 100_000])
    func streamToOpenAI(size: Int) throws {
        let (request, _) = try provider(
            #"{"model":"gemini-2.0-flash","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}"#
        )
        let events = try Fixture.events(Fixture.translate(Self.stream, Self.openAI, request: request, size: size))
        #expect(events.last?.data == "[DONE]")
        let chunks: [JSON] = events.dropLast().map { $0.data }
        let deltas: [JSON] = chunks.compactMap { $0["choices"]?.array?.first?["delta"] }
        #expect(deltas.compactMap { $0["content"]?.string }.joined() == "Two cities.")
        #expect(deltas.compactMap { $0["reasoning_content"]?.string }.joined() == "Hm")
        let calls: [JSON] = deltas.flatMap { $0["tool_calls"]?.array ?? [] }
        #expect(calls.compactMap { $0["id"]?.string } == ["call_resp_9_0", "call_resp_9_1"])
        #expect(
            calls.filter { $0["index"] == 1 }.compactMap { $0["function"]?["arguments"]?.string }.joined()
                == #"{"city":"Rome"}"#)
        #expect(chunks.compactMap { $0["choices"]?.array?.first?["finish_reason"]?.string } == ["tool_calls"])
        #expect(chunks.last?["usage"]?["prompt_tokens"] == 30)
        #expect(chunks.last?["usage"]?["completion_tokens"] == 12)
    }

    @Test("errors: Gemini's status names map to each dialect's error types")
    func errors() throws {
        let (request, _) = try provider(#"{"model":"g","messages":[{"role":"user","content":"hi"}]}"#)
        let limited = #"{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}"#
        let (status, body) = Self.anthropic.answer(status: 429, body: Array(limited.utf8), for: request)
        #expect(status == 429)
        #expect(
            Fixture.same(
                try JSON(parsing: body),
                ["type": "error", "error": ["type": "rate_limit_error", "message": "Resource has been exhausted"]]))
        let invalid = #"{"error":{"code":400,"message":"API key not valid","status":"INVALID_ARGUMENT"}}"#
        let openAI = try JSON(parsing: Self.openAI.answer(status: 400, body: Array(invalid.utf8), for: request).body)
        #expect(
            openAI["error"]?["type"] == "invalid_request_error" && openAI["error"]?["message"] == "API key not valid")
        let midStream = Array(
            "data: {\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n".utf8)
        let events = try Fixture.events(Fixture.translate(midStream, Self.anthropic, request: request, size: 5))
        #expect(events.last?.data["error"]?["type"] == "overloaded_error")
    }
}
