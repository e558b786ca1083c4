import Testing

@testable import Translation

/// OpenAI Responses API clients (Codex-style tools) calling a model behind another provider's API.
@Suite("Translation: OpenAI Responses → other providers")
struct ResponsesTests {
    static let toAnthropic = Translator(client: OpenAIResponses(), provider: AnthropicMessages())

    func provider(_ request: String) throws -> (ChatRequest, JSON) {
        let (read, body) = try Self.toAnthropic.request(Array(request.utf8))
        return (read, try JSON(parsing: body))
    }

    @Test(
        "instructions, input items (messages, images, a function call and its output), flat function tools, JSON schema"
    )
    func request() throws {
        let (_, body) = try provider(
            #"""
            {"model":"claude-x","instructions":"Be brief.","max_output_tokens":300,"store":false,
             "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"}}},
             "input":[{"role":"developer","content":"Use metric units."},
               {"role":"user","content":[{"type":"input_text","text":"Weather?"},{"type":"input_image","image_url":"https://example.com/sky.jpg"}]},
               {"type":"reasoning","id":"rs_1","summary":[]},
               {"type":"function_call","call_id":"call_1","name":"weather","arguments":"{\"city\":\"Paris\"}"},
               {"type":"function_call_output","call_id":"call_1","output":"18C"},
               {"type":"message","role":"assistant","content":[{"type":"output_text","text":"18C in Paris."}]},
               {"role":"user","content":"Thanks"}]}
            """#)
        let expected = try Fixture.json(
            #"""
            {"model":"claude-x","max_tokens":300,"system":"Be brief.\n\nUse metric units.","messages":[
               {"role":"user","content":[{"type":"text","text":"Weather?"},{"type":"image","source":{"type":"url","url":"https://example.com/sky.jpg"}}]},
               {"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"weather","input":{"city":"Paris"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":[{"type":"text","text":"18C"}]}]},
               {"role":"assistant","content":[{"type":"text","text":"18C in Paris."}]},
               {"role":"user","content":[{"type":"text","text":"Thanks"}]}],
             "tools":[{"name":"json_output","description":"Answer with this tool: its input is the answer (w), as JSON.","input_schema":{"type":"object"}}],
             "tool_choice":{"type":"tool","name":"json_output"}}
            """#)
        #expect(Fixture.same(body, expected), "\(body.text)")
        let (_, tools) = try provider(
            #"{"model":"c","input":"hi","tool_choice":{"type":"function","name":"weather"},"tools":[{"type":"function","name":"weather","parameters":{"type":"object"},"strict":true}]}"#
        )
        #expect(tools["tools"]?.array?.first?["name"] == "weather")
        #expect(Fixture.same(try #require(tools["tool_choice"]), ["type": "tool", "name": "weather"]))
    }

    @Test(
        "what the target cannot do is refused naming it",
        arguments: [
            (#""include":["reasoning.encrypted_content"]"#, "`include` cannot be translated"),
            (#""previous_response_id":"resp_1""#, "`previous_response_id` cannot be translated"),
            (#""tools":[{"type":"web_search"}]"#, "`tools[0].type \"web_search\"` cannot be translated"),
        ])
    func refused(field: String, message: String) {
        #expect {
            try Self.toAnthropic.request(Array(#"{"model":"c","input":"hi",\#(field)}"#.utf8))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("an answer: reasoning, message and function call items in order, usage, incomplete at max tokens")
    func answer() throws {
        let (request, _) = try provider(#"{"model":"c","input":"hi"}"#)
        let answer = #"""
            {"id":"msg_01","model":"claude-x","content":[{"type":"thinking","thinking":"Hm.","signature":"s"},{"type":"text","text":"Checking."},
              {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}}],"stop_reason":"tool_use",
             "usage":{"input_tokens":21,"output_tokens":9,"cache_read_input_tokens":4}}
            """#
        let response = try JSON(
            parsing: Self.toAnthropic.answer(status: 200, body: Array(answer.utf8), for: request).body)
        #expect(
            response["id"] == "resp_msg_01" && response["object"] == "response" && response["status"] == "completed")
        let output = response["output"]?.array ?? []
        #expect(output.map { $0["type"]?.string } == ["reasoning", "message", "function_call"])
        #expect(output[0]["summary"]?.array?.first?["text"] == "Hm.")
        #expect(output[1]["content"]?.array?.first?["text"] == "Checking.")
        #expect(output[2]["call_id"] == "toolu_1" && output[2]["arguments"] == #"{"city":"Paris"}"#)
        #expect(
            response["usage"]?["input_tokens"] == 25
                && response["usage"]?["input_tokens_details"]?["cached_tokens"] == 4)
        let cut =
            #"{"id":"m","model":"c","content":[{"type":"text","text":"Lo"}],"stop_reason":"max_tokens","usage":{"input_tokens":1,"output_tokens":1}}"#
        let incomplete = try JSON(
            parsing: Self.toAnthropic.answer(status: 200, body: Array(cut.utf8), for: request).body)
        #expect(incomplete["status"] == "incomplete")
        #expect(incomplete["incomplete_details"]?["reason"] == "max_output_tokens")
    }

    @Test(
        "a stream: response.created, each item added, its deltas and done events, response.completed with every item; numbered; any chunking",
        arguments: [1, 100_000])
    func stream(size: Int) throws {
        let (request, _) = try provider(#"{"model":"claude-3-5-haiku-latest","input":"hi","stream":true}"#)
        let events = try Fixture.events(
            Fixture.translate(StreamTests.anthropicStream, Self.toAnthropic, request: request, size: size))
        #expect(events.allSatisfy { $0.name == $0.data["type"]?.string })
        #expect(events.map { $0.data["sequence_number"]?.int } == Array(0..<events.count).map { $0 })
        #expect(
            events.map(\.name) == [
                "response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.delta",
                "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.done",
                "response.output_item.done",
                "response.completed",
            ])
        #expect(events[6].data["text"] == "Let me check ✓")
        #expect(events[13].data["arguments"] == #"{"city": "Paris"}"#)
        #expect(events[15].data["output_index"] == 2 && events[15].data["item"]?["call_id"] == "toolu_B")
        let completed = events.last?.data["response"]
        #expect(completed?["status"] == "completed" && completed?["id"] == "resp_msg_1")
        #expect(
            completed?["output"]?.array?.map { $0["type"]?.string } == ["message", "function_call", "function_call"])
        #expect(completed?["output"]?.array?[2]["arguments"] == #"{"city": "Rome"}"#)
        #expect(completed?["usage"]?["input_tokens"] == 25 && completed?["usage"]?["output_tokens"] == 32)
    }
}
