// MARK: - Answers

extension AnthropicMessages {
    public func decodeResponse(_ body: JSONObject, for request: ChatRequest) -> ChatResponse {
        let jsonMode = Self.answersThroughTool(request)
        var content: [ContentPart] = []
        var finish = body["stop_reason"]?.string.map(Self.finish)
        for block in body["content"]?.array ?? [] {
            switch block["type"]?.string {
            case "text": content.append(.text(block["text"]?.string ?? ""))
            case "thinking": content.append(.reasoning(block["thinking"]?.string ?? ""))
            case "tool_use":
                let input = (block["input"] ?? [:]).text
                if jsonMode, block["name"]?.string == Self.jsonTool {
                    content.append(.text(input))
                    if finish == .toolUse { finish = .endTurn }
                } else {
                    content.append(
                        .toolCall(
                            ToolCall(id: block["id"]?.string ?? "", name: block["name"]?.string ?? "", arguments: input)
                        ))
                }
            default: continue
            }
        }
        return ChatResponse(
            id: body["id"]?.string ?? "", model: body["model"]?.string ?? request.model, content: content,
            finish: finish, stopSequence: body["stop_sequence"]?.string, usage: body["usage"].flatMap(Self.usage))
    }

    public func encodeResponse(_ response: ChatResponse, for request: ChatRequest) -> JSON {
        var blocks: [JSON] = []
        for part in response.content {
            switch part {
            case .text(let text): blocks.append(["type": "text", "text": .string(text)])
            case .reasoning(let text): blocks.append(["type": "thinking", "thinking": .string(text), "signature": ""])
            case .toolCall(let call):
                let input = try? call.input(at: "")
                blocks.append(
                    ["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input ?? [:]])
            case .image, .toolResult: continue
            }
        }
        return [
            "id": .string(response.id), "type": "message", "role": "assistant", "model": .string(response.model),
            "content": .array(blocks), "stop_reason": .string(Self.reason(response.finish ?? .endTurn)),
            "stop_sequence": response.stopSequence.map(JSON.string) ?? .null,
            "usage": Self.usage(response.usage ?? ChatUsage(input: 0, output: 0)),
        ]
    }

    /// The request asked for JSON output, which Anthropic answers through ``jsonTool``.
    static func answersThroughTool(_ request: ChatRequest) -> Bool {
        switch request.responseFormat {
        case .jsonObject?, .jsonSchema?: true
        default: false
        }
    }

    static func finish(_ reason: String) -> FinishReason {
        switch reason {
        case "end_turn": .endTurn
        case "max_tokens": .maxTokens
        case "stop_sequence": .stopSequence
        case "tool_use": .toolUse
        case "refusal": .contentFilter
        default: .other(reason)
        }
    }

    static func reason(_ finish: FinishReason) -> String {
        switch finish {
        case .endTurn: "end_turn"
        case .maxTokens: "max_tokens"
        case .stopSequence: "stop_sequence"
        case .toolUse: "tool_use"
        case .contentFilter: "refusal"
        case .other: "end_turn"
        }
    }

    /// Anthropic counts cached input apart from `input_tokens`.
    static func usage(_ usage: JSON) -> ChatUsage? {
        guard usage.object != nil else { return nil }
        let read = usage["cache_read_input_tokens"]?.int ?? 0
        let creation = usage["cache_creation_input_tokens"]?.int ?? 0
        return ChatUsage(
            input: (usage["input_tokens"]?.int ?? 0) + read + creation, output: usage["output_tokens"]?.int ?? 0,
            cacheRead: read, cacheCreation: creation)
    }

    static func usage(_ usage: ChatUsage) -> JSON {
        [
            "input_tokens": .int(max(0, usage.input - usage.cacheRead - usage.cacheCreation)),
            "output_tokens": .int(usage.output), "cache_read_input_tokens": .int(usage.cacheRead),
            "cache_creation_input_tokens": .int(usage.cacheCreation),
        ]
    }

    // MARK: - Errors

    /// `{type: "error", error: {type, message}}`.
    public func decodeFailure(status: Int, body: [UInt8]) -> ProviderFailure {
        guard let error = JSON.answer(body)?["error"], let message = error["message"]?.string else {
            return .unreadable(status: status, body: body)
        }
        let kind: ProviderFailure.Kind? =
            switch error["type"]?.string {
            case "overloaded_error": .overloaded
            case "rate_limit_error": .rateLimited
            default: nil
            }
        return ProviderFailure(status: status, kind: kind, message: message)
    }

    public func encodeFailure(_ failure: ProviderFailure) -> JSON {
        [
            "type": "error",
            "error": ["type": .string(Self.errorType(failure.kind)), "message": .string(failure.message)],
        ]
    }

    /// The `error.type` Anthropic's API gives `kind` (the names OpenAI's errors use too).
    public static func errorType(_ kind: ProviderFailure.Kind) -> String {
        switch kind {
        case .invalidRequest: "invalid_request_error"
        case .authentication: "authentication_error"
        case .permission: "permission_error"
        case .notFound: "not_found_error"
        case .rateLimited: "rate_limit_error"
        case .overloaded: "overloaded_error"
        case .server: "api_error"
        }
    }
}
