/// Cohere's v2 chat API (`/v2/chat`), as a provider: requests written from a ``ChatRequest``,
/// answers, streams and errors read back.
public struct CohereChat: ProviderDialect {
    public init() {}

    public var name: String { "Cohere chat" }

    // MARK: - Requests

    public func encodeRequest(_ request: ChatRequest) throws(TranslationError) -> JSON {
        var body = JSONObject()
        body["model"] = .string(request.model)
        var messages: [JSON] = []
        if !request.system.isEmpty {
            messages.append(["role": "system", "content": .string(request.system.joined(separator: "\n\n"))])
        }
        for (index, message) in request.messages.enumerated() {
            messages += try encode(message, index: index)
        }
        body["messages"] = .array(messages)
        var tools = request.tools
        switch request.toolChoice {
        case nil, .auto?: break
        case .none?: body["tool_choice"] = "NONE"
        case .required?: body["tool_choice"] = "REQUIRED"
        case .tool(let forced)?:
            // Cohere cannot name the tool to call: the model is offered that tool alone, and must call it.
            tools = tools.filter { $0.name == forced }
            guard !tools.isEmpty else { throw .invalid("tool_choice", "names \(forced), which is not among the tools") }
            body["tool_choice"] = "REQUIRED"
        }
        if request.parallelToolCalls == false {
            throw .unsupported(
                "parallel_tool_calls", target: name, because: "Cohere cannot limit an answer to one call")
        }
        if !tools.isEmpty {
            body["tools"] = .array(
                tools.map { tool in
                    [
                        "type": "function",
                        "function": [
                            "name": .string(tool.name), "description": tool.description.map(JSON.string),
                            "parameters": tool.parameters,
                        ],
                    ]
                })
        }
        switch request.responseFormat {
        case nil, .text?: break
        case .jsonObject?: body["response_format"] = ["type": "json_object"]
        case .jsonSchema(_, let schema, _)?: body["response_format"] = ["type": "json_object", "json_schema": schema]
        }
        if !request.stopSequences.isEmpty { body["stop_sequences"] = .array(request.stopSequences.map(JSON.string)) }
        if let maxTokens = request.maxTokens { body["max_tokens"] = .int(maxTokens) }
        if let temperature = request.temperature { body["temperature"] = .number(temperature) }
        if let topP = request.topP { body["p"] = .number(topP) }
        if let topK = request.topK { body["k"] = .number(topK) }
        if let reasoning = request.reasoning {
            body["thinking"] = ["type": "enabled", "token_budget": .int(reasoning.budget)]
        }
        if request.stream { body["stream"] = true }
        return .object(body)
    }

    /// Cohere's messages have OpenAI's shape; an assistant message that only calls tools has no content.
    private func encode(_ message: ChatMessage, index: Int) throws(TranslationError) -> [JSON] {
        try OpenAIChat.messages(message, index: index, target: name, emptyContent: nil)
    }

    // MARK: - Answers

    public func decodeResponse(_ body: JSONObject, for request: ChatRequest) -> ChatResponse {
        let message = body["message"]
        var content: [ContentPart] = []
        if let plan = message?["tool_plan"]?.string, !plan.isEmpty { content.append(.reasoning(plan)) }
        for block in message?["content"]?.array ?? [] {
            switch block["type"]?.string {
            case "text": content.append(.text(block["text"]?.string ?? ""))
            case "thinking": content.append(.reasoning(block["thinking"]?.string ?? ""))
            default: continue
            }
        }
        for call in message?["tool_calls"]?.array ?? [] { content.append(.toolCall(OpenAIChat.toolCall(call))) }
        return ChatResponse(
            id: body["id"]?.string ?? "", model: request.model, content: content,
            finish: body["finish_reason"]?.string.map(Self.finish), usage: body["usage"].flatMap(Self.usage))
    }

    static func finish(_ reason: String) -> FinishReason {
        switch reason {
        case "COMPLETE": .endTurn
        case "MAX_TOKENS": .maxTokens
        case "STOP_SEQUENCE": .stopSequence
        case "TOOL_CALL": .toolUse
        default: .other(reason)
        }
    }

    /// What Cohere bills (`billed_units`), else the tokens it counted.
    static func usage(_ usage: JSON) -> ChatUsage? {
        guard let counts = usage["billed_units"] ?? usage["tokens"] else { return nil }
        return ChatUsage(
            input: counts["input_tokens"]?.int ?? 0, output: counts["output_tokens"]?.int ?? 0,
            cacheRead: usage["cached_tokens"]?.int ?? 0)
    }

    // MARK: - Errors

    /// `{message}` (with an `id`).
    public func decodeFailure(status: Int, body: [UInt8]) -> ProviderFailure {
        guard let message = JSON.answer(body)?["message"]?.string else {
            return .unreadable(status: status, body: body)
        }
        return ProviderFailure(status: status, message: message)
    }

    // MARK: - Streams

    public func streamDecoder(for request: ChatRequest) -> any ChatStreamDecoder {
        CohereStreamDecoder(model: request.model)
    }
}

/// Reads Cohere's stream: `message-start`, content and tool-call events by index, `message-end`
/// with the finish reason and usage.
struct CohereStreamDecoder: ChatStreamDecoder {
    let model: String
    /// Cohere's tool call indices seen, in the order they started.
    private var tools: [Int] = []
    private var started = false
    private var ended = false

    init(model: String) {
        self.model = model
    }

    mutating func decode(_ event: ServerSentEvent) -> [ChatStreamEvent] {
        guard !ended, let data = JSON.answer(event.data) else { return [] }
        let message = data["delta"]?["message"]
        var events: [ChatStreamEvent] = []
        if !started {
            started = true
            events.append(.start(id: data["id"]?.string ?? "", model: model, usage: nil))
        }
        switch event.name ?? data["type"]?.string {
        case "content-delta":
            if let text = message?["content"]?["text"]?.string, !text.isEmpty { events.append(.text(text)) }
            if let thinking = message?["content"]?["thinking"]?.string, !thinking.isEmpty {
                events.append(.reasoning(thinking))
            }
        case "tool-plan-delta":
            if let plan = message?["tool_plan"]?.string, !plan.isEmpty { events.append(.reasoning(plan)) }
        case "tool-call-start":
            let call = message?["tool_calls"]
            let index = tools.count
            tools.append(data["index"]?.int ?? index)
            events.append(
                .toolCallStart(
                    index: index, id: call?["id"]?.string ?? "", name: call?["function"]?["name"]?.string ?? ""))
            if let fragment = call?["function"]?["arguments"]?.string, !fragment.isEmpty {
                events.append(.toolArguments(index: index, fragment: fragment))
            }
        case "tool-call-delta":
            if let fragment = message?["tool_calls"]?["function"]?["arguments"]?.string, !fragment.isEmpty,
                let index = tools.firstIndex(of: data["index"]?.int ?? tools.last ?? 0)
            {
                events.append(.toolArguments(index: index, fragment: fragment))
            }
        case "message-end":
            let delta = data["delta"]
            if let usage = delta?["usage"].flatMap(CohereChat.usage) { events.append(.usage(usage)) }
            if let reason = delta?["finish_reason"]?.string {
                if reason == "ERROR" || reason == "TIMEOUT" {
                    ended = true
                    events.append(
                        .failure(ProviderFailure(status: 500, message: "the provider's answer ended with \(reason)")))
                    return events
                }
                events.append(.finish(CohereChat.finish(reason), stopSequence: nil))
            }
            events += finish()
        default:
            break
        }
        return events
    }

    mutating func finish() -> [ChatStreamEvent] {
        guard !ended else { return [] }
        ended = true
        return [.end]
    }
}
