/// OpenAI's Chat Completions API (`/v1/chat/completions`), as clients speak it and as OpenAI and
/// every OpenAI-compatible provider answer it.
public struct OpenAIChat: ClientDialect, ProviderDialect {
    /// Where the output maximum goes: `max_completion_tokens` for OpenAI itself (its reasoning
    /// models refuse `max_tokens`), `max_tokens` for the compatible providers.
    public var maxTokensField: String
    /// The provider accepts `stream_options.include_usage` (usage in a last chunk).
    public var streamUsage: Bool

    public init(maxTokensField: String = "max_tokens", streamUsage: Bool = true) {
        self.maxTokensField = maxTokensField
        self.streamUsage = streamUsage
    }

    public var name: String { "OpenAI Chat Completions" }

    /// Members read into the request, and the ones dropped as harmless (docs/translation.md).
    static let requestFields: Set<String> = [
        "model", "messages", "tools", "tool_choice", "parallel_tool_calls", "response_format", "stop", "max_tokens",
        "max_completion_tokens", "temperature", "top_p", "stream", "stream_options", "user", "n",
        "metadata", "store", "reasoning_effort",
    ]

    // MARK: - Requests

    public func decodeRequest(_ body: JSONObject, target: String) throws(TranslationError) -> ChatRequest {
        let fields = FieldReader(body)
        try fields.refuseOthers(Self.requestFields, target: target)
        var request = ChatRequest(model: try fields.requiredString("model"))
        if let n = try fields.int("n"), n != 1 { throw .unsupported("n", target: target, because: "one choice only") }
        for (index, message) in try fields.objects("messages").enumerated() {
            try Self.read(message, index: index, into: &request, target: target)
        }
        guard !request.messages.isEmpty else { throw .invalid("messages", "must hold a user or assistant message") }
        for tool in try fields.objects("tools") {
            try tool.refuseOthers(["type", "function"], target: target)
            guard try tool.string("type") ?? "function" == "function" else {
                throw .unsupported(tool.path("type"), target: target, because: "function tools only")
            }
            guard let function = try tool.object("function") else {
                throw .invalid(tool.path("function"), "is required")
            }
            try function.refuseOthers(["name", "description", "parameters", "strict"], target: target)
            request.tools.append(
                ToolDefinition(
                    name: try function.requiredString("name"), description: try function.string("description"),
                    parameters: function.value("parameters") ?? ["type": "object", "properties": [:]]))
        }
        if let choice = fields.value("tool_choice") { request.toolChoice = try Self.toolChoice(choice) }
        request.parallelToolCalls = try fields.bool("parallel_tool_calls")
        if let format = try fields.object("response_format") { request.responseFormat = try Self.format(format) }
        request.stopSequences = try fields.strings("stop", single: true)
        request.maxTokens = try fields.int("max_completion_tokens")
        if request.maxTokens == nil { request.maxTokens = try fields.int("max_tokens") }
        request.temperature = try fields.number("temperature")
        request.topP = try fields.number("top_p")
        request.stream = try fields.bool("stream") ?? false
        request.includeUsage = try fields.object("stream_options")?.bool("include_usage") ?? false
        request.user = try fields.string("user")
        if let effort = try fields.string("reasoning_effort") {
            request.reasoning = try Reasoning.effort(effort, field: "reasoning_effort")
        }
        return request
    }

    private static func read(
        _ message: FieldReader, index: Int, into request: inout ChatRequest, target: String
    ) throws(TranslationError) {
        let role = try message.requiredString("role")
        switch role {
        case "system", "developer":
            try message.refuseOthers(["role", "content", "name"], target: target)
            request.system.append(contentsOf: try texts(message, "content"))
        case "user":
            try message.refuseOthers(["role", "content", "name"], target: target)
            request.append(.user, try parts(message, "content", target: target))
        case "assistant":
            try message.refuseOthers(
                ["role", "content", "tool_calls", "name", "refusal", "reasoning_content"], target: target)
            var content: [ContentPart] = []
            if let reasoning = try message.string("reasoning_content") { content.append(.reasoning(reasoning)) }
            content += try texts(message, "content", allowing: ["text", "refusal"]).map(ContentPart.text)
            for call in try message.objects("tool_calls") {
                try call.refuseOthers(["id", "type", "function"], target: target)
                guard let function = try call.object("function") else {
                    throw .invalid(call.path("function"), "is required")
                }
                content.append(
                    .toolCall(
                        ToolCall(
                            id: try call.requiredString("id"), name: try function.requiredString("name"),
                            arguments: try function.string("arguments") ?? "{}")))
            }
            request.append(.assistant, content)
        case "tool":
            try message.refuseOthers(["role", "content", "tool_call_id"], target: target)
            let result = ToolResult(
                callID: try message.requiredString("tool_call_id"),
                content: try texts(message, "content").map(ContentPart.text))
            request.append(.user, [.toolResult(result)])
        default:
            throw .unsupported(message.path("role") + " \"\(role)\"", target: target)
        }
    }

    /// A `content` that must be text: a string or `text` parts.
    private static func texts(
        _ message: FieldReader, _ key: String, allowing types: Set<String> = ["text"]
    ) throws(TranslationError) -> [String] {
        switch message.value(key) {
        case nil: return []
        case .string(let text)?: return [text]
        case .array?:
            var texts: [String] = []
            for part in try message.objects(key) {
                let type = try part.requiredString("type")
                guard types.contains(type) else {
                    throw .invalid(part.path("type"), "must be \(types.sorted().joined(separator: " or ")) here")
                }
                texts.append(try part.requiredString(type))
            }
            return texts
        case let other?: throw .invalid(message.path(key), "must be a string or an array, not \(other.kind)")
        }
    }

    /// A user's `content`: a string, or text and image parts.
    private static func parts(_ message: FieldReader, _ key: String, target: String) throws(TranslationError)
        -> [ContentPart]
    {
        switch message.value(key) {
        case nil: return []
        case .string(let text)?: return [.text(text)]
        case .array?:
            var parts: [ContentPart] = []
            for part in try message.objects(key) {
                switch try part.requiredString("type") {
                case "text": parts.append(.text(try part.requiredString("text")))
                case "image_url":
                    guard let image = try part.object("image_url") else {
                        throw .invalid(part.path("image_url"), "is required")
                    }
                    try image.refuseOthers(["url", "detail"], target: target)
                    parts.append(.image(ImageSource(url: try image.requiredString("url"))))
                case let type: throw .unsupported(part.path("type") + " \"\(type)\"", target: target)
                }
            }
            return parts
        case let other?: throw .invalid(message.path(key), "must be a string or an array, not \(other.kind)")
        }
    }

    private static func toolChoice(_ value: JSON) throws(TranslationError) -> ToolChoice {
        switch value {
        case .string("auto"): return .auto
        case .string("none"): return .none
        case .string("required"): return .required
        case .object:
            let choice = try FieldReader(value, path: "tool_choice")
            guard let name = try choice.object("function")?.requiredString("name") else {
                throw .invalid("tool_choice.function.name", "is required")
            }
            return .tool(name)
        default:
            throw .invalid("tool_choice", "must be auto, none, required or {type: function, function: {name}}")
        }
    }

    private static func format(_ format: FieldReader) throws(TranslationError) -> ResponseFormat {
        switch try format.requiredString("type") {
        case "text": return .text
        case "json_object": return .jsonObject
        case "json_schema":
            guard let schema = try format.object("json_schema") else {
                throw .invalid(format.path("json_schema"), "is required")
            }
            return .jsonSchema(
                name: try schema.string("name") ?? "output", schema: schema.value("schema") ?? ["type": "object"],
                strict: try schema.bool("strict"))
        case let type: throw .invalid(format.path("type"), "\"\(type)\" is not text, json_object or json_schema")
        }
    }

    public func encodeRequest(_ request: ChatRequest) throws(TranslationError) -> JSON {
        if request.topK != nil { throw .unsupported("top_k", target: name) }
        var messages: [JSON] = request.system.map { ["role": "system", "content": .string($0)] }
        for (index, message) in request.messages.enumerated() {
            messages += try encode(message, index: index)
        }
        var body: JSONObject = JSONObject()
        body["model"] = .string(request.model)
        body["messages"] = .array(messages)
        if !request.tools.isEmpty {
            body["tools"] = .array(
                request.tools.map { tool in
                    [
                        "type": "function",
                        "function": [
                            "name": .string(tool.name), "description": tool.description.map(JSON.string),
                            "parameters": tool.parameters,
                        ],
                    ]
                })
        }
        switch request.toolChoice {
        case nil: break
        case .auto?: body["tool_choice"] = "auto"
        case .none?: body["tool_choice"] = "none"
        case .required?: body["tool_choice"] = "required"
        case .tool(let name)?: body["tool_choice"] = ["type": "function", "function": ["name": .string(name)]]
        }
        if let parallel = request.parallelToolCalls, !request.tools.isEmpty {
            body["parallel_tool_calls"] = .bool(parallel)
        }
        switch request.responseFormat {
        case nil: break
        case .text?: body["response_format"] = ["type": "text"]
        case .jsonObject?: body["response_format"] = ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict)?:
            body["response_format"] = [
                "type": "json_schema",
                "json_schema": ["name": .string(name), "schema": schema, "strict": strict.map(JSON.bool)],
            ]
        }
        if !request.stopSequences.isEmpty { body["stop"] = .array(request.stopSequences.map(JSON.string)) }
        if let maxTokens = request.maxTokens { body[maxTokensField] = .int(maxTokens) }
        if let temperature = request.temperature { body["temperature"] = .number(temperature) }
        if let topP = request.topP { body["top_p"] = .number(topP) }
        if request.stream {
            body["stream"] = true
            if streamUsage { body["stream_options"] = ["include_usage": true] }
        }
        if let user = request.user { body["user"] = .string(user) }
        if let reasoning = request.reasoning { body["reasoning_effort"] = .string(reasoning.level.rawValue) }
        return .object(body)
    }

    private func encode(_ message: ChatMessage, index: Int) throws(TranslationError) -> [JSON] {
        try Self.messages(message, index: index, target: name, emptyContent: .null)
    }

    /// One message in OpenAI's shape (which Cohere's v2 chat shares): tool results become `tool`
    /// messages ahead of the user's own content; an assistant message that only calls tools has
    /// `emptyContent` as its content (`null` for OpenAI; nil leaves it out).
    static func messages(_ message: ChatMessage, index: Int, target: String, emptyContent: JSON?)
        throws(TranslationError) -> [JSON]
    {
        let path = "messages[\(index)]"
        switch message.role {
        case .user:
            var messages: [JSON] = []
            var parts: [JSON] = []
            for (position, part) in message.content.enumerated() {
                switch part {
                case .text(let text): parts.append(["type": "text", "text": .string(text)])
                case .image(let source): parts.append(["type": "image_url", "image_url": ["url": .string(source.url)]])
                case .toolResult(let result):
                    if result.hasImages {
                        throw .unsupported(
                            "\(path).content[\(position)].content", target: target, because: "tool results are text")
                    }
                    messages.append(
                        ["role": "tool", "tool_call_id": .string(result.callID), "content": .string(result.text)])
                case .toolCall, .reasoning:
                    throw .invalid("\(path).content[\(position)]", "belongs in an assistant message")
                }
            }
            if parts.count == 1, case .object(let only) = parts[0], only["type"] == "text", let text = only["text"] {
                messages.append(["role": "user", "content": text])
            } else if !parts.isEmpty {
                messages.append(["role": "user", "content": .array(parts)])
            }
            return messages
        case .assistant:
            var text = ""
            var calls: [JSON] = []
            for (position, part) in message.content.enumerated() {
                switch part {
                case .text(let piece): text += piece
                case .toolCall(let call): calls.append(toolCall(call))
                // A model's earlier reasoning has no place in this history (documented harmless).
                case .reasoning: continue
                case .image, .toolResult:
                    throw .unsupported(
                        "\(path).content[\(position)]", target: target, because: "not in an assistant message")
                }
            }
            var object = JSONObject()
            object["role"] = "assistant"
            object["content"] = text.isEmpty && !calls.isEmpty ? emptyContent : .string(text)
            if !calls.isEmpty { object["tool_calls"] = .array(calls) }
            return [.object(object)]
        }
    }

    /// `{id, type: function, function: {name, arguments}}`.
    static func toolCall(_ call: ToolCall) -> JSON {
        [
            "id": .string(call.id), "type": "function",
            "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
        ]
    }

    /// Reads ``toolCall(_:)``'s shape.
    static func toolCall(_ json: JSON) -> ToolCall {
        ToolCall(
            id: json["id"]?.string ?? "", name: json["function"]?["name"]?.string ?? "",
            arguments: json["function"]?["arguments"]?.string ?? "{}")
    }

}
