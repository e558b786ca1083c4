import Testing

@testable import Translation

/// An Anthropic Messages client (the Anthropic SDK, Claude Code) calling a model behind an
/// OpenAI-compatible API.
@Suite("Translation: Anthropic Messages → OpenAI Chat Completions")
struct AnthropicToOpenAITests {
    let translator = Translator.anthropicToOpenAI

    func provider(_ request: String) throws -> (ChatRequest, JSON) {
        let (read, body) = try translator.request(Array(request.utf8))
        return (read, try JSON(parsing: body))
    }

    @Test("system blocks, images, tool use and tool results (text and error), tools, forced choice, stream with usage")
    func request() throws {
        let (_, body) = try provider(
            #"""
            {"model":"gpt-4o-mini","max_tokens":512,"stream":true,"temperature":0.2,"stop_sequences":["###"],
             "metadata":{"user_id":"u-9"},
             "system":[{"type":"text","text":"You are terse.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"Use tools."}],
             "tools":[{"name":"weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},
             "messages":[
               {"role":"user","content":[{"type":"text","text":"Look:"},{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}}]},
               {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"Checking."},
                 {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},
                 {"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"no such city"}],"is_error":true},
                 {"type":"text","text":"And now?"}]}]}
            """#)
        let expected = try Fixture.json(
            #"""
            {"model":"gpt-4o-mini","messages":[
               {"role":"system","content":"You are terse."},{"role":"system","content":"Use tools."},
               {"role":"user","content":[{"type":"text","text":"Look:"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]},
               {"role":"assistant","content":"Checking.","tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},
               {"role":"tool","tool_call_id":"toolu_1","content":"18C"},
               {"role":"tool","tool_call_id":"toolu_2","content":"no such city"},
               {"role":"user","content":"And now?"}],
             "tools":[{"type":"function","function":{"name":"weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "tool_choice":"required","parallel_tool_calls":false,"stop":["###"],"max_tokens":512,"temperature":0.2,
             "stream":true,"stream_options":{"include_usage":true},"user":"u-9"}
            """#)
        #expect(Fixture.same(body, expected), "\(body.text)")
    }

    @Test("OpenAI itself gets max_completion_tokens; a provider without stream usage gets no stream_options")
    func providerOptions() throws {
        let openAI = Translator(
            client: AnthropicMessages(),
            provider: OpenAIChat(maxTokensField: "max_completion_tokens", streamUsage: false))
        let body = try JSON(
            parsing: try openAI.request(
                Array(#"{"model":"m","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#.utf8)
            ).body)
        #expect(body["max_completion_tokens"] == 9)
        #expect(body["max_tokens"] == nil)
        #expect(body["stream_options"] == nil)
    }

    @Test(
        "a field OpenAI's API cannot express is refused naming it",
        arguments: [
            (#""top_k":5"#, "top_k"), (#""thinking":{"type":"adaptive"}"#, "thinking.type \"adaptive\""),
            (#""tools":[{"type":"web_search_20250305","name":"web_search"}]"#, "tools[0].type \"web_search_20250305\""),
            (#""service_tier":"auto""#, "service_tier"),
        ])
    func refused(field: String, name: String) {
        #expect {
            try translator.request(
                Array(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],\#(field)}"#.utf8))
        } throws: { error in
            "\(error)".contains("`\(name)` cannot be translated to OpenAI Chat Completions")
        }
    }

    @Test("a document block is refused naming it")
    func document() {
        #expect {
            try translator.request(
                Array(
                    #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","data":"x"}}]}]}"#
                        .utf8))
        } throws: { error in
            "\(error)".contains("`messages[0].content[0].type \"document\"` cannot be translated")
        }
    }

    @Test("an answer: text and tool calls as blocks, finish reason, usage without the cached part in input_tokens")
    func answer() throws {
        let (request, _) = try provider(
            #"{"model":"gpt-4o-mini","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}"#)
        let answer = #"""
            {"id":"chatcmpl-9","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,
              "message":{"role":"assistant","content":"Sure.","tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},
              "finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":2}}}
            """#
        let (status, out) = translator.answer(status: 200, body: Array(answer.utf8), for: request)
        #expect(status == 200)
        let expected = try Fixture.json(
            #"""
            {"id":"chatcmpl-9","type":"message","role":"assistant","model":"gpt-4o-mini-2024-07-18","content":[
               {"type":"text","text":"Sure."},{"type":"tool_use","id":"call_1","name":"weather","input":{"city":"Paris"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":2,"cache_creation_input_tokens":0}}
            """#)
        let client = try JSON(parsing: out)
        #expect(Fixture.same(client, expected), "\(client.text)")
    }

    @Test(
        "finish reasons map",
        arguments: [
            ("stop", "end_turn"), ("length", "max_tokens"), ("tool_calls", "tool_use"), ("content_filter", "refusal"),
        ])
    func finish(openAI: String, anthropic: String) throws {
        let (request, _) = try provider(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
        let answer =
            #"{"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"\#(openAI)"}]}"#
        let client = try JSON(parsing: translator.answer(status: 200, body: Array(answer.utf8), for: request).body)
        #expect(client["stop_reason"]?.string == anthropic)
    }

    @Test("an error comes back in Anthropic's shape with the provider's status")
    func error() throws {
        let (request, _) = try provider(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
        for (status, type) in [
            (400, "invalid_request_error"), (401, "authentication_error"), (403, "permission_error"),
            (404, "not_found_error"), (429, "rate_limit_error"), (500, "api_error"), (503, "api_error"),
        ] {
            let body = #"{"error":{"message":"failed \#(status)","type":"whatever","code":null}}"#
            let (out, bytes) = translator.answer(status: status, body: Array(body.utf8), for: request)
            let client = try JSON(parsing: bytes)
            #expect(out == status)
            #expect(
                Fixture.same(
                    client,
                    ["type": "error", "error": ["type": .string(type), "message": .string("failed \(status)")]]))
        }
    }
}
