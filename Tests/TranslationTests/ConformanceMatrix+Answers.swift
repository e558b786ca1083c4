import Foundation
import Testing

@testable import Translation

extension ConformanceMatrix {
    // MARK: - Answer features

    /// Each provider's answer with reasoning, text, a tool call (`call_1`) and usage (12 input, 2 of them cached, 5 output).
    static func answer(_ provider: Provider) -> String {
        switch provider {
        case .openAIChat:
            #"{"id":"a1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","reasoning_content":"Let me see.","content":"Sure.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":2}}}"#
        case .anthropic:
            #"{"id":"a1","type":"message","role":"assistant","model":"m","content":[{"type":"thinking","thinking":"Let me see.","signature":"s"},{"type":"text","text":"Sure."},{"type":"tool_use","id":"call_1","name":"weather","input":{"city":"Paris"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":2,"cache_creation_input_tokens":0}}"#
        case .gemini:
            #"{"candidates":[{"content":{"role":"model","parts":[{"text":"Let me see.","thought":true},{"text":"Sure."},{"functionCall":{"id":"call_1","name":"weather","args":{"city":"Paris"}}}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":5,"totalTokenCount":17,"cachedContentTokenCount":2},"modelVersion":"m","responseId":"a1"}"#
        case .cohere:
            #"{"id":"a1","finish_reason":"TOOL_CALL","message":{"role":"assistant","tool_plan":"Let me see.","content":[{"type":"text","text":"Sure."}],"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},"usage":{"billed_units":{"input_tokens":12,"output_tokens":5},"cached_tokens":2}}"#
        }
    }

    /// Each provider's rate-limit error, "slow down", 429.
    static func error(_ provider: Provider) -> String {
        switch provider {
        case .openAIChat: #"{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}"#
        case .anthropic: #"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#
        case .gemini: #"{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}}"#
        case .cohere: #"{"id":"e1","message":"slow down"}"#
        }
    }

    /// Each provider's stream with two tool calls, Paris then Rome, their arguments in pieces where the provider splits them.
    static func stream(_ provider: Provider) -> [UInt8] {
        switch provider {
        case .openAIChat: StreamTests.openAIStream
        case .anthropic: StreamTests.anthropicStream
        case .gemini: GeminiTests.stream
        case .cohere: CohereTests.stream
        }
    }

    static let base = #"{"model":"m","messages":[{"role":"user","content":"Hi"}]}"#

    /// An answer feature: how the client's answer (from each provider's ``answer(_:)``) shows it.
    static func answered(_ name: String, _ shows: @escaping @Sendable (Client, JSON) -> Bool) -> Feature {
        Feature(name: name) { client, provider in
            let translator = Translator(client: client.dialect, provider: provider.dialect)
            let request = ChatRequest(model: "m")
            let (status, body) = translator.answer(status: 200, body: Array(answer(provider).utf8), for: request)
            guard status == 200, let out = try? JSON(parsing: body) else {
                return .lost(String(decoding: body, as: UTF8.self))
            }
            return shows(client, out) ? .translated : .lost(out.text)
        }
    }

    static func openAIMessage(_ body: JSON) -> JSON? { body["choices"]?.array?.first?["message"] }
    static func output(_ body: JSON, _ type: String) -> [JSON] {
        body["output"]?.array?.filter { $0["type"]?.string == type } ?? []
    }

    static let answerFeatures: [Feature] = [
        answered("answer text") { client, body in
            switch client {
            case .openAIChat: openAIMessage(body)?["content"] == "Sure."
            case .anthropic: body["content"]?.array?.contains { $0["type"] == "text" && $0["text"] == "Sure." } == true
            case .responses: output(body, "message").first?["content"]?.array?.first?["text"] == "Sure."
            }
        },
        answered("tool calls in the answer (id, name, arguments)") { client, body in
            let call: (id: String?, name: String?, arguments: JSON?)
            switch client {
            case .openAIChat:
                let first = openAIMessage(body)?["tool_calls"]?.array?.first
                call = (
                    first?["id"]?.string, first?["function"]?["name"]?.string,
                    first?["function"]?["arguments"]?.string.flatMap { try? JSON(parsing: Array($0.utf8)) }
                )
            case .anthropic:
                let first = body["content"]?.array?.first { $0["type"] == "tool_use" }
                call = (first?["id"]?.string, first?["name"]?.string, first?["input"])
            case .responses:
                let first = output(body, "function_call").first
                call = (
                    first?["call_id"]?.string, first?["name"]?.string,
                    first?["arguments"]?.string.flatMap { try? JSON(parsing: Array($0.utf8)) }
                )
            }
            return call.id == "call_1" && call.name == "weather" && call.arguments == ["city": "Paris"]
        },
        answered("finish reason") { client, body in
            switch client {
            case .openAIChat: body["choices"]?.array?.first?["finish_reason"] == "tool_calls"
            case .anthropic: body["stop_reason"] == "tool_use"
            case .responses: body["status"] == "completed"
            }
        },
        answered("usage, cached input tokens included") { client, body in
            let usage = body["usage"]
            return switch client {
            case .openAIChat:
                usage?["prompt_tokens"] == 12 && usage?["completion_tokens"] == 5
                    && usage?["prompt_tokens_details"]?["cached_tokens"] == 2
            case .anthropic:
                usage?["input_tokens"] == 10 && usage?["cache_read_input_tokens"] == 2 && usage?["output_tokens"] == 5
            case .responses:
                usage?["input_tokens"] == 12 && usage?["input_tokens_details"]?["cached_tokens"] == 2
                    && usage?["output_tokens"] == 5
            }
        },
        answered("the provider's reasoning text") { client, body in
            switch client {
            case .openAIChat: openAIMessage(body)?["reasoning_content"] == "Let me see."
            case .anthropic: body["content"]?.array?.first?["thinking"] == "Let me see."
            case .responses: output(body, "reasoning").first?["summary"]?.array?.first?["text"] == "Let me see."
            }
        },
        Feature(name: "errors, in the client's shape with the provider's status") { client, provider in
            let translator = Translator(client: client.dialect, provider: provider.dialect)
            let (status, body) = translator.answer(
                status: 429, body: Array(error(provider).utf8), for: ChatRequest(model: "m"))
            guard let out = try? JSON(parsing: body) else { return .lost(String(decoding: body, as: UTF8.self)) }
            let shown =
                switch client {
                case .openAIChat, .responses:
                    out["error"]?["message"] == "slow down" && out["error"]?["type"] == "rate_limit_error"
                case .anthropic:
                    out["type"] == "error" && out["error"]?["type"] == "rate_limit_error"
                        && out["error"]?["message"] == "slow down"
                }
            return status == 429 && shown ? .translated : .lost(out.text)
        },
        Feature(name: "streamed parallel tool calls, arguments in pieces") { client, provider in
            let translator = Translator(client: client.dialect, provider: provider.dialect)
            var request = ChatRequest(model: "m")
            request.stream = true
            let bytes = Fixture.translate(stream(provider), translator, request: request, size: 5)
            guard let events = try? Fixture.events(bytes) else { return .lost(String(decoding: bytes, as: UTF8.self)) }
            var arguments: [Int: String] = [:]
            switch client {
            case .openAIChat:
                for call in events.compactMap({ $0.data["choices"]?.array?.first?["delta"]?["tool_calls"]?.array })
                    .joined()
                {
                    arguments[call["index"]?.int ?? -1, default: ""] += call["function"]?["arguments"]?.string ?? ""
                }
            case .anthropic:
                var tools: [Int: Int] = [:]
                for event in events {
                    if event.name == "content_block_start", event.data["content_block"]?["type"] == "tool_use" {
                        tools[event.data["index"]?.int ?? -1] = tools.count
                    }
                    if let tool = tools[event.data["index"]?.int ?? -1],
                        let piece = event.data["delta"]?["partial_json"]?.string
                    {
                        arguments[tool, default: ""] += piece
                    }
                }
            case .responses:
                for (index, event) in events.filter({ $0.name == "response.function_call_arguments.done" }).enumerated()
                {
                    arguments[index] = event.data["arguments"]?.string
                }
            }
            let parsed = (0..<2).map { arguments[$0].flatMap { try? JSON(parsing: Array($0.utf8)) }?["city"] }
            return parsed == ["Paris", "Rome"] ? .translated : .lost(String(decoding: bytes, as: UTF8.self))
        },
    ]

    static var features: [Feature] { requestFeatures + answerFeatures }

    // MARK: - The document

    /// The matrix as docs/translation.md shows it, with the refusals' messages below it.
    static func render() -> String {
        var refusals: [String] = []
        var lines = [
            "| feature | " + columns.map { "\($0.0.rawValue) → \($0.1.rawValue)" }.joined(separator: " | ") + " |",
            "|---|" + columns.map { _ in ":---:|" }.joined(),
        ]
        for feature in features {
            let cells = columns.map { client, provider -> String in
                switch feature.evaluate(client, provider) {
                case .translated: return "✅"
                case .notAsked: return "—"
                case .lost: return "LOST"
                case .refused(let message):
                    if !refusals.contains(message) { refusals.append(message) }
                    return "✗\(refusals.firstIndex(of: message)! + 1)"
                }
            }
            lines.append("| \(feature.name) | " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines += refusals.enumerated().map { "\($0.offset + 1). 400: \($0.element)" }
        return lines.joined(separator: "\n")
    }
}

@Suite("Translation: the conformance matrix")
struct ConformanceMatrixTests {
    @Test("every feature reaches the provider (or the client) for every pair, or is refused naming it: never lost")
    func nothingLost() {
        for feature in ConformanceMatrix.features {
            for (client, provider) in ConformanceMatrix.columns {
                if case .lost(let what) = feature.evaluate(client, provider) {
                    Issue.record("\(feature.name), \(client.rawValue) → \(provider.rawValue): lost in \(what)")
                }
            }
        }
    }

    /// docs/translation.md, from this file's folder.
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/translation.md")
    static let begin = "<!-- conformance matrix: generated by `make translation-matrix` from Tests/TranslationTests -->"
    static let end = "<!-- end of the conformance matrix -->"

    @Test("docs/translation.md shows the matrix these tests produce (`make translation-matrix` rewrites it)")
    func documentIsCurrent() throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        let start = try #require(text.range(of: Self.begin), "docs/translation.md has no matrix block")
        let stop = try #require(text.range(of: Self.end))
        let rendered = ConformanceMatrix.render()
        if ProcessInfo.processInfo.environment["STRONGBOX_WRITE_MATRIX"] == "1" {
            let updated = text.replacingCharacters(in: start.upperBound..<stop.lowerBound, with: "\n" + rendered + "\n")
            try updated.write(to: Self.document, atomically: true, encoding: .utf8)
            return
        }
        #expect(
            String(text[start.upperBound..<stop.lowerBound]) == "\n" + rendered + "\n",
            "docs/translation.md's matrix is out of date: run `make translation-matrix`")
    }
}
