import Testing

@testable import Translation

/// An OpenAI Chat Completions client calling a model behind Anthropic's Messages API.
@Suite("Translation: OpenAI Chat Completions → Anthropic Messages")
struct OpenAIToAnthropicTests {
    let translator = Translator.openAIToAnthropic

    func provider(_ request: String) throws -> (ChatRequest, JSON) {
        let (read, body) = try translator.request(Array(request.utf8))
        return (read, try JSON(parsing: body))
    }

    @Test("system prompt, multi-turn text, images by URL and base64, stop, temperature and the default max_tokens")
    func request() throws {
        let (_, body) = try provider(
            #"""
            {"model":"claude-3-5-haiku-latest","temperature":0.70,"top_p":1,"stop":"END","user":"u-1","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":[{"type":"text","text":"What is this?"},
                {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"low"}},
                {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K"}}]},
              {"role":"assistant","content":"A cat."},
              {"role":"user","content":"Sure?"}]}
            """#)
        let expected = try Fixture.json(
            #"""
            {"model":"claude-3-5-haiku-latest","max_tokens":4096,"system":"Be brief.","messages":[
              {"role":"user","content":[{"type":"text","text":"What is this?"},
                {"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}},
                {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0K"}}]},
              {"role":"assistant","content":[{"type":"text","text":"A cat."}]},
              {"role":"user","content":[{"type":"text","text":"Sure?"}]}],
             "stop_sequences":["END"],"temperature":0.70,"top_p":1,"metadata":{"user_id":"u-1"}}
            """#)
        #expect(Fixture.same(body, expected), "\(body.text)")
        #expect(body["temperature"] == .number("0.70"), "the client's number goes on as written")
    }

    @Test("the provider request's output maximum, for a limit's reservation: Anthropic's default when none was given")
    func maxTokens() throws {
        let hi = #"{"model":"c","messages":[{"role":"user","content":"hi"}]}"#
        #expect(try translator.request(maxTokensOf: Array(hi.utf8)).maxTokens == AnthropicMessages.defaultMaxTokens)
        let gemini = Translator(client: OpenAIChat(), provider: GeminiGenerateContent())
        let capped = #"{"model":"g","max_completion_tokens":33,"messages":[{"role":"user","content":"hi"}]}"#
        #expect(try gemini.request(maxTokensOf: Array(capped.utf8)).maxTokens == 33)
        #expect(try gemini.request(maxTokensOf: Array(hi.utf8)).maxTokens == nil)
    }

    @Test("tools, a forced tool, tool calls with their ids and their results (parallel calls, one user turn)")
    func tools() throws {
        let (_, body) = try provider(
            #"""
            {"model":"claude-sonnet-4","max_completion_tokens":300,"parallel_tool_calls":false,
             "tool_choice":{"type":"function","function":{"name":"weather"}},
             "tools":[{"type":"function","function":{"name":"weather","description":"Weather in a city",
               "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
             "messages":[{"role":"user","content":"Weather in Paris and Rome?"},
               {"role":"assistant","content":null,"tool_calls":[
                 {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
                 {"id":"call_2","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},
               {"role":"tool","tool_call_id":"call_1","content":"18C"},
               {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"21C"}]}]}
            """#)
        let expected = try Fixture.json(
            #"""
            {"model":"claude-sonnet-4","max_tokens":300,"messages":[
              {"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
              {"role":"assistant","content":[
                {"type":"tool_use","id":"call_1","name":"weather","input":{"city":"Paris"}},
                {"type":"tool_use","id":"call_2","name":"weather","input":{"city":"Rome"}}]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"call_1","content":[{"type":"text","text":"18C"}]},
                {"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"21C"}]}]}],
             "tools":[{"name":"weather","description":"Weather in a city",
               "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
             "tool_choice":{"type":"tool","name":"weather","disable_parallel_tool_use":true}}
            """#)
        #expect(Fixture.same(body, expected), "\(body.text)")
    }

    @Test(
        "tool_choice auto, none and required become auto, none and any",
        arguments: [
            (#""auto""#, #"{"type":"auto"}"#), (#""none""#, #"{"type":"none"}"#), (#""required""#, #"{"type":"any"}"#),
        ])
    func toolChoice(choice: String, expected: String) throws {
        let (_, body) = try provider(
            #"{"model":"c","messages":[{"role":"user","content":"hi"}],"tool_choice":\#(choice),"tools":[{"type":"function","function":{"name":"f"}}]}"#
        )
        #expect(Fixture.same(try #require(body["tool_choice"]), try Fixture.json(expected)))
    }

    @Test("JSON output: the schema becomes a forced tool, and the tool's input comes back as the answer's text")
    func jsonOutput() throws {
        let (request, body) = try provider(
            #"""
            {"model":"c","messages":[{"role":"user","content":"A city?"}],"response_format":{"type":"json_schema",
             "json_schema":{"name":"city","schema":{"type":"object","properties":{"name":{"type":"string"}}},"strict":true}}}
            """#)
        #expect(body["tools"]?.array?.first?["name"] == .string(AnthropicMessages.jsonTool))
        #expect(body["tools"]?.array?.first?["input_schema"]?["properties"]?["name"]?["type"] == "string")
        #expect(
            Fixture.same(
                try #require(body["tool_choice"]), ["type": "tool", "name": .string(AnthropicMessages.jsonTool)]))

        let answer = #"""
            {"id":"msg_1","type":"message","role":"assistant","model":"c","content":[{"type":"tool_use","id":"toolu_1",
             "name":"json_output","input":{"name":"Paris"}}],"stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":10,"output_tokens":5}}
            """#
        let (status, out) = translator.answer(status: 200, body: Array(answer.utf8), for: request)
        let client = try JSON(parsing: out)
        #expect(status == 200)
        #expect(client["choices"]?.array?.first?["message"]?["content"] == #"{"name":"Paris"}"#)
        #expect(client["choices"]?.array?.first?["finish_reason"] == "stop")

        let stream = Fixture.sse([
            (
                "message_start",
                #"{"type":"message_start","message":{"id":"msg_1","model":"c","usage":{"input_tokens":10,"output_tokens":1}}}"#
            ),
            (
                "content_block_start",
                #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"json_output","input":{}}}"#
            ),
            (
                "content_block_delta",
                #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"name\":"}}"#
            ),
            (
                "content_block_delta",
                #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":" \"Paris\"}"}}"#
            ),
            ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            (
                "message_delta",
                #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":5}}"#
            ),
            ("message_stop", #"{"type":"message_stop"}"#),
        ])
        var streamed = request
        streamed.stream = true
        let events = try Fixture.events(Fixture.translate(stream, translator, request: streamed, size: 7))
        let text = events.compactMap { $0.data["choices"]?.array?.first?["delta"]?["content"]?.string }.joined()
        #expect(text == #"{"name": "Paris"}"#)
        #expect(events.contains { $0.data["choices"]?.array?.first?["finish_reason"] == "stop" })
    }

    @Test(
        "a field Anthropic cannot express is refused naming it, never dropped",
        arguments: [
            (#""presence_penalty":0.5"#, "presence_penalty"), (#""logprobs":true"#, "logprobs"), (#""seed":7"#, "seed"),
            (#""n":2"#, "n"), (#""functions":[]"#, "functions"),
        ])
    func refused(field: String, name: String) {
        #expect {
            try translator.request(Array(#"{"model":"c","messages":[{"role":"user","content":"hi"}],\#(field)}"#.utf8))
        } throws: { error in
            "\(error)".contains("`\(name)` cannot be translated to Anthropic Messages")
        }
    }

    @Test(
        "a malformed request is refused naming the field",
        arguments: [
            (#"{"messages":[{"role":"user","content":"hi"}]}"#, "`model` is required"),
            (#"{"model":"c","messages":[]}"#, "`messages` must hold"),
            (
                #"{"model":"c","messages":[{"role":"user","content":7}]}"#,
                "`messages[0].content` must be a string or an array"
            ),
            (
                #"{"model":"c","messages":[{"role":"wizard","content":"x"}]}"#,
                "`messages[0].role \"wizard\"` cannot be translated"
            ),
            (
                #"{"model":"c","messages":[{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"not json"}}]}]}"#,
                "function.arguments` is not JSON"
            ),
            (#"["not an object"]"#, "must be a JSON object"),
            (#"{"model":"c","#, "not valid JSON"),
        ])
    func malformed(body: String, message: String) {
        #expect {
            try translator.request(Array(body.utf8))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("an answer: text, tool calls with their arguments, finish reason and usage with cached tokens")
    func answer() throws {
        let (request, _) = try provider(#"{"model":"c","messages":[{"role":"user","content":"hi"}]}"#)
        let answer = #"""
            {"id":"msg_01","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[
              {"type":"thinking","thinking":"Let me see.","signature":"sig"},
              {"type":"text","text":"Checking."},
              {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}},
              {"type":"tool_use","id":"toolu_2","name":"weather","input":{"city":"Rome"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":21,"output_tokens":9,"cache_read_input_tokens":4,"cache_creation_input_tokens":3}}
            """#
        let (status, out) = translator.answer(status: 200, body: Array(answer.utf8), for: request)
        #expect(status == 200)
        var client = try JSON(parsing: out)
        #expect(client["created"]?.int ?? 0 > 1_700_000_000)
        if case .object(var object) = client {
            object["created"] = 0
            client = .object(object)
        }
        let expected = try Fixture.json(
            #"""
            {"id":"msg_01","object":"chat.completion","created":0,"model":"claude-3-5-haiku-20241022","choices":[{"index":0,
              "message":{"role":"assistant","content":"Checking.","reasoning_content":"Let me see.","tool_calls":[
                {"id":"toolu_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"toolu_2","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},
              "logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":28,"completion_tokens":9,"total_tokens":37,"prompt_tokens_details":{"cached_tokens":4}}}
            """#)
        #expect(Fixture.same(client, expected), "\(client.text)")
    }

    @Test(
        "finish reasons map",
        arguments: [
            ("end_turn", "stop"), ("max_tokens", "length"), ("stop_sequence", "stop"), ("tool_use", "tool_calls"),
            ("refusal", "content_filter"),
        ])
    func finish(anthropic: String, openAI: String) throws {
        let (request, _) = try provider(#"{"model":"c","messages":[{"role":"user","content":"hi"}]}"#)
        let answer =
            #"{"id":"m","model":"c","content":[{"type":"text","text":"x"}],"stop_reason":"\#(anthropic)","usage":{"input_tokens":1,"output_tokens":1}}"#
        let client = try JSON(parsing: translator.answer(status: 200, body: Array(answer.utf8), for: request).body)
        #expect(client["choices"]?.array?.first?["finish_reason"]?.string == openAI)
    }

    @Test("an error comes back in OpenAI's shape with the provider's status")
    func error() throws {
        let (request, _) = try provider(#"{"model":"c","messages":[{"role":"user","content":"hi"}]}"#)
        for (status, type, openAIType) in [
            (400, "invalid_request_error", "invalid_request_error"),
            (401, "authentication_error", "authentication_error"),
            (429, "rate_limit_error", "rate_limit_error"), (529, "overloaded_error", "server_error"),
        ] {
            let body = #"{"type":"error","error":{"type":"\#(type)","message":"it failed \#(status)"}}"#
            let (out, bytes) = translator.answer(status: status, body: Array(body.utf8), for: request)
            let client = try JSON(parsing: bytes)
            #expect(out == status)
            #expect(client["error"]?["message"]?.string == "it failed \(status)")
            #expect(client["error"]?["type"]?.string == openAIType)
        }
        let (status, bytes) = translator.answer(status: 200, body: Array("<html>".utf8), for: request)
        #expect(status == 502)
        #expect(try JSON(parsing: bytes)["error"]?["message"]?.string?.contains("not JSON") == true)
    }
}
