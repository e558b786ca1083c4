import Foundation

/// OpenAI's Responses API (`/v1/responses`) as clients speak it: its requests read into a
/// ``ChatRequest``, answers and streams written as its `response` object and `response.*` events.
/// (OpenAI and Azure OpenAI answer it themselves: their calls pass through.)
public struct OpenAIResponses: ClientDialect {
    public init() {}

    static let requestFields: Set<String> = [
        "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "text", "max_output_tokens",
        "temperature", "top_p", "stream", "user", "metadata", "store", "reasoning",
    ]

    // MARK: - Requests

    public func decodeRequest(_ body: JSONObject, target: String) throws(TranslationError) -> ChatRequest {
        let fields = FieldReader(body)
        try fields.refuseOthers(Self.requestFields, target: target)
        var request = ChatRequest(model: try fields.requiredString("model"))
        if let instructions = try fields.string("instructions") { request.system.append(instructions) }
        switch fields.value("input") {
        case nil: throw .invalid("input", "is required")
        case .string(let text)?: request.messages = [ChatMessage(role: .user, content: [.text(text)])]
        case .array?:
            for item in try fields.objects("input") { try Self.read(item, into: &request, target: target) }
        case let other?: throw .invalid("input", "must be a string or an array of items, not \(other.kind)")
        }
        guard !request.messages.isEmpty else { throw .invalid("input", "must hold a user or assistant message") }
        for tool in try fields.objects("tools") {
            let type = try tool.requiredString("type")
            guard type == "function" else {
                throw .unsupported(tool.path("type") + " \"\(type)\"", target: target, because: "function tools only")
            }
            try tool.refuseOthers(["type", "name", "description", "parameters", "strict"], target: target)
            request.tools.append(
                ToolDefinition(
                    name: try tool.requiredString("name"), description: try tool.string("description"),
                    parameters: tool.value("parameters") ?? ["type": "object", "properties": [:]]))
        }
        switch fields.value("tool_choice") {
        case nil: break
        case .string("auto")?: request.toolChoice = .auto
        case .string("none")?: request.toolChoice = ToolChoice.none
        case .string("required")?: request.toolChoice = .required
        case .object?:
            let choice = try fields.object("tool_choice")!
            guard try choice.string("type") == "function" else {
                throw .unsupported("tool_choice.type", target: target, because: "function tools only")
            }
            request.toolChoice = .tool(try choice.requiredString("name"))
        default: throw .invalid("tool_choice", "must be auto, none, required or {type: function, name}")
        }
        request.parallelToolCalls = try fields.bool("parallel_tool_calls")
        if let text = try fields.object("text") {
            try text.refuseOthers(["format"], target: target)
            if let format = try text.object("format") {
                switch try format.requiredString("type") {
                case "text": request.responseFormat = .text
                case "json_object": request.responseFormat = .jsonObject
                case "json_schema":
                    request.responseFormat = .jsonSchema(
                        name: try format.string("name") ?? "output",
                        schema: format.value("schema") ?? ["type": "object"],
                        strict: try format.bool("strict"))
                case let other:
                    throw .invalid(format.path("type"), "\"\(other)\" is not text, json_object or json_schema")
                }
            }
        }
        request.maxTokens = try fields.int("max_output_tokens")
        request.temperature = try fields.number("temperature")
        request.topP = try fields.number("top_p")
        request.stream = try fields.bool("stream") ?? false
        request.user = try fields.string("user")
        if let reasoning = try fields.object("reasoning") {
            // The summary's detail is the provider's to choose: the reasoning text comes back whole.
            try reasoning.refuseOthers(["effort", "summary", "generate_summary"], target: target)
            if let effort = try reasoning.string("effort") {
                request.reasoning = try Reasoning.effort(effort, field: "reasoning.effort")
            }
        }
        return request
    }

    /// One input item: a message, a function call, its output (a reasoning item is dropped as harmless).
    private static func read(_ item: FieldReader, into request: inout ChatRequest, target: String)
        throws(TranslationError)
    {
        switch try item.string("type") ?? "message" {
        case "message":
            try item.refuseOthers(["type", "role", "content", "id", "status"], target: target)
            let role = try item.requiredString("role")
            let parts = try content(item, target: target)
            switch role {
            case "system", "developer":
                for part in parts {
                    guard case .text(let text) = part else { throw .invalid(item.path("content"), "must be text") }
                    request.system.append(text)
                }
            case "user": request.append(.user, parts)
            case "assistant": request.append(.assistant, parts)
            default: throw .invalid(item.path("role"), "\"\(role)\" is not user, assistant, system or developer")
            }
        case "function_call":
            try item.refuseOthers(["type", "id", "call_id", "name", "arguments", "status"], target: target)
            let call = ToolCall(
                id: try item.requiredString("call_id"), name: try item.requiredString("name"),
                arguments: try item.string("arguments") ?? "{}")
            request.append(.assistant, [.toolCall(call)])
        case "function_call_output":
            try item.refuseOthers(["type", "id", "call_id", "output", "status"], target: target)
            let result = ToolResult(
                callID: try item.requiredString("call_id"), content: [.text(try item.requiredString("output"))])
            request.append(.user, [.toolResult(result)])
        case "reasoning":
            return
        case let type:
            throw .unsupported(item.path("type") + " \"\(type)\"", target: target)
        }
    }

    /// A message's `content`: a string, or input and output parts.
    private static func content(_ item: FieldReader, target: String) throws(TranslationError) -> [ContentPart] {
        switch item.value("content") {
        case nil: return []
        case .string(let text)?: return [.text(text)]
        case .array?:
            var parts: [ContentPart] = []
            for part in try item.objects("content") {
                switch try part.requiredString("type") {
                case "input_text", "output_text": parts.append(.text(try part.requiredString("text")))
                case "refusal": parts.append(.text(try part.requiredString("refusal")))
                case "input_image":
                    guard let url = try part.string("image_url") else {
                        throw .unsupported(part.path("file_id"), target: target, because: "images by URL or data only")
                    }
                    parts.append(.image(ImageSource(url: url)))
                case let type: throw .unsupported(part.path("type") + " \"\(type)\"", target: target)
                }
            }
            return parts
        case let other?: throw .invalid(item.path("content"), "must be a string or an array, not \(other.kind)")
        }
    }

    // MARK: - Answers

    public func encodeResponse(_ response: ChatResponse, for request: ChatRequest) -> JSON {
        var output = ResponseOutput(id: response.id)
        for part in response.content {
            switch part {
            case .reasoning(let text): output.reasoning += text
            case .text(let text): output.text += text
            case .toolCall(let call): output.calls.append(call)
            case .image, .toolResult: continue
            }
        }
        return Self.response(
            id: response.id, model: response.model, created: response.created, status: Self.status(response.finish),
            output: output.items(), usage: response.usage, request: request)
    }

    /// `completed`, or `incomplete` with its reason.
    static func status(_ finish: FinishReason?) -> (status: String, reason: String?) {
        switch finish {
        case .maxTokens?: ("incomplete", "max_output_tokens")
        case .contentFilter?: ("incomplete", "content_filter")
        default: ("completed", nil)
        }
    }

    static func responseID(_ id: String) -> String { id.hasPrefix("resp_") ? id : "resp_" + id }

    /// The `response` object (also what a stream's `response.created` and `response.completed` carry).
    static func response(
        id: String, model: String, created: Int?, status: (status: String, reason: String?), output: [JSON],
        usage: ChatUsage?, request: ChatRequest
    ) -> JSON {
        var format: JSON = ["type": "text"]
        switch request.responseFormat {
        case .jsonObject?: format = ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict)?:
            format = ["type": "json_schema", "name": .string(name), "schema": schema, "strict": strict.map(JSON.bool)]
        default: break
        }
        return [
            "id": .string(responseID(id)), "object": "response",
            "created_at": .int(created ?? Int(Date().timeIntervalSince1970)), "status": .string(status.status),
            "error": .null, "incomplete_details": status.reason.map { ["reason": .string($0)] } ?? .null,
            "instructions": request.system.isEmpty ? .null : .string(request.system.joined(separator: "\n\n")),
            "max_output_tokens": request.maxTokens.map(JSON.int) ?? .null, "model": .string(model),
            "output": .array(output), "parallel_tool_calls": .bool(request.parallelToolCalls ?? true),
            "previous_response_id": .null, "store": false,
            "temperature": request.temperature.map(JSON.number) ?? .null, "text": ["format": format],
            "tool_choice": "auto", "tools": .array([]), "top_p": request.topP.map(JSON.number) ?? .null,
            "usage": usage.map(Self.usage) ?? .null, "metadata": [:],
        ]
    }

    static func usage(_ usage: ChatUsage) -> JSON {
        [
            "input_tokens": .int(usage.input), "input_tokens_details": ["cached_tokens": .int(usage.cacheRead)],
            "output_tokens": .int(usage.output),
            "output_tokens_details": ["reasoning_tokens": .int(usage.reasoning ?? 0)],
            "total_tokens": .int(usage.input + usage.output),
        ]
    }

    public func encodeFailure(_ failure: ProviderFailure) -> JSON {
        OpenAIChat().encodeFailure(failure)
    }

    public func streamEncoder(for request: ChatRequest, estimatedInputTokens: Int) -> any ChatStreamEncoder {
        OpenAIResponsesStreamEncoder(request: request)
    }
}

/// The output items of a response, in the order the Responses API writes them: reasoning, the
/// message, the function calls.
struct ResponseOutput {
    let id: String
    var reasoning = ""
    var text = ""
    var calls: [ToolCall] = []

    func items() -> [JSON] {
        var items: [JSON] = []
        if !reasoning.isEmpty { items.append(Self.reasoning(id: "rs_" + id, text: reasoning)) }
        if !text.isEmpty || calls.isEmpty {
            items.append(Self.message(id: "msg_" + id, text: text, status: "completed"))
        }
        items += calls.map { Self.call($0, status: "completed") }
        return items
    }

    static func reasoning(id: String, text: String?) -> JSON {
        [
            "type": "reasoning", "id": .string(id),
            "summary": .array(text.map { [["type": "summary_text", "text": .string($0)]] } ?? []),
        ]
    }

    static func message(id: String, text: String?, status: String) -> JSON {
        [
            "type": "message", "id": .string(id), "status": .string(status), "role": "assistant",
            "content": .array(text.map { [Self.textPart($0)] } ?? []),
        ]
    }

    static func textPart(_ text: String) -> JSON { ["type": "output_text", "text": .string(text), "annotations": []] }

    static func call(_ call: ToolCall, status: String) -> JSON {
        [
            "type": "function_call", "id": .string("fc_" + call.id), "call_id": .string(call.id),
            "name": .string(call.name),
            "arguments": .string(call.arguments), "status": .string(status),
        ]
    }
}
