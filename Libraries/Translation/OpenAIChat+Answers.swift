import Foundation

// MARK: - Answers

extension OpenAIChat {
    public func decodeResponse(_ body: JSONObject, for request: ChatRequest) -> ChatResponse {
        let choice = body["choices"]?.array?.first
        let message = choice?["message"]
        var content: [ContentPart] = []
        if let reasoning = message?["reasoning_content"]?.string ?? message?["reasoning"]?.string, !reasoning.isEmpty {
            content.append(.reasoning(reasoning))
        }
        if let text = message?["content"]?.string, !text.isEmpty { content.append(.text(text)) }
        if let refusal = message?["refusal"]?.string, !refusal.isEmpty { content.append(.text(refusal)) }
        for call in message?["tool_calls"]?.array ?? [] { content.append(.toolCall(Self.toolCall(call))) }
        return ChatResponse(
            id: body["id"]?.string ?? "", model: body["model"]?.string ?? request.model, content: content,
            finish: choice?["finish_reason"]?.string.map(Self.finish), usage: body["usage"].flatMap(Self.usage),
            created: body["created"]?.int)
    }

    public func encodeResponse(_ response: ChatResponse, for request: ChatRequest) -> JSON {
        var text = ""
        var reasoning = ""
        var calls: [JSON] = []
        for part in response.content {
            switch part {
            case .text(let piece): text += piece
            case .reasoning(let piece): reasoning += piece
            case .toolCall(let call): calls.append(Self.toolCall(call))
            case .image, .toolResult: continue
            }
        }
        var message: JSONObject = JSONObject()
        message["role"] = "assistant"
        message["content"] = text.isEmpty && !calls.isEmpty ? .null : .string(text)
        if !reasoning.isEmpty { message["reasoning_content"] = .string(reasoning) }
        if !calls.isEmpty { message["tool_calls"] = .array(calls) }
        return [
            "id": .string(response.id), "object": "chat.completion",
            "created": .int(response.created ?? Int(Date().timeIntervalSince1970)),
            "model": .string(response.model),
            "choices": [
                [
                    "index": 0, "message": .object(message), "logprobs": .null,
                    "finish_reason": .string(Self.reason(response.finish ?? .endTurn)),
                ]
            ],
            "usage": response.usage.map(Self.usage),
        ]
    }

    static func finish(_ reason: String) -> FinishReason {
        switch reason {
        case "stop": .endTurn
        case "length": .maxTokens
        case "tool_calls", "function_call": .toolUse
        case "content_filter": .contentFilter
        default: .other(reason)
        }
    }

    static func reason(_ finish: FinishReason) -> String {
        switch finish {
        case .endTurn, .stopSequence, .other: "stop"
        case .maxTokens: "length"
        case .toolUse: "tool_calls"
        case .contentFilter: "content_filter"
        }
    }

    static func usage(_ usage: JSON) -> ChatUsage? {
        guard usage.object != nil else { return nil }
        return ChatUsage(
            input: usage["prompt_tokens"]?.int ?? 0, output: usage["completion_tokens"]?.int ?? 0,
            cacheRead: usage["prompt_tokens_details"]?["cached_tokens"]?.int ?? 0,
            reasoning: usage["completion_tokens_details"]?["reasoning_tokens"]?.int)
    }

    static func usage(_ usage: ChatUsage) -> JSON {
        [
            "prompt_tokens": .int(usage.input), "completion_tokens": .int(usage.output),
            "total_tokens": .int(usage.input + usage.output),
            "prompt_tokens_details": ["cached_tokens": .int(usage.cacheRead)],
            "completion_tokens_details": usage.reasoning.map { ["reasoning_tokens": .int($0)] },
        ]
    }

    // MARK: - Errors

    /// `{error: {message, type, code}}`.
    public func decodeFailure(status: Int, body: [UInt8]) -> ProviderFailure {
        guard let error = JSON.answer(body)?["error"] else { return .unreadable(status: status, body: body) }
        // Some compatible servers send `{error: "text"}`.
        let message = error["message"]?.string ?? error.string ?? "the provider answered \(status)"
        return ProviderFailure(status: status, message: message)
    }

    public func encodeFailure(_ failure: ProviderFailure) -> JSON {
        let type: String =
            switch failure.kind {
            case .invalidRequest, .notFound: "invalid_request_error"
            case .authentication: "authentication_error"
            case .permission: "permission_error"
            case .rateLimited: "rate_limit_error"
            case .overloaded, .server: "server_error"
            }
        return ["error": ["message": .string(failure.message), "type": .string(type), "param": .null, "code": .null]]
    }
}
