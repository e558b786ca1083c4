/// Anthropic's Messages API (`/v1/messages`), as clients speak it and as Anthropic answers it.
public struct AnthropicMessages: ClientDialect, ProviderDialect {
    /// `max_tokens` when the client named none (Anthropic requires one).
    public static let defaultMaxTokens = 4096
    /// The tool a JSON-output request is answered through: Anthropic has no `response_format`, so
    /// the schema becomes this tool's input, the tool is forced, and its input is the answer's text.
    public static let jsonTool = "json_output"

    public init() {}

    public var name: String { "Anthropic Messages" }

    static let requestFields: Set<String> = [
        "model", "messages", "system", "max_tokens", "stop_sequences", "temperature", "top_p", "top_k", "stream",
        "tools", "tool_choice", "metadata", "thinking",
    ]

    // MARK: - Requests

    public func decodeRequest(_ body: JSONObject, target: String) throws(TranslationError) -> ChatRequest {
        let fields = FieldReader(body)
        try fields.refuseOthers(Self.requestFields, target: target)
        var request = ChatRequest(model: try fields.requiredString("model"))
        switch fields.value("system") {
        case nil: break
        case .string(let text)?: request.system = [text]
        case .array?:
            for block in try fields.objects("system") {
                try block.refuseOthers(["type", "text", "cache_control"], target: target)
                request.system.append(try block.requiredString("text"))
            }
        case let other?: throw .invalid("system", "must be a string or text blocks, not \(other.kind)")
        }
        for message in try fields.objects("messages") {
            try message.refuseOthers(["role", "content"], target: target)
            let role: ChatMessage.Role
            switch try message.requiredString("role") {
            case "user": role = .user
            case "assistant": role = .assistant
            case let other: throw .invalid(message.path("role"), "\"\(other)\" is not user or assistant")
            }
            request.messages.append(
                ChatMessage(role: role, content: try Self.blocks(message, "content", target: target)))
        }
        guard !request.messages.isEmpty else { throw .invalid("messages", "must hold a message") }
        for tool in try fields.objects("tools") {
            if let type = try tool.string("type"), type != "custom" {
                throw .unsupported(tool.path("type") + " \"\(type)\"", target: target, because: "custom tools only")
            }
            try tool.refuseOthers(["type", "name", "description", "input_schema", "cache_control"], target: target)
            request.tools.append(
                ToolDefinition(
                    name: try tool.requiredString("name"), description: try tool.string("description"),
                    parameters: tool.value("input_schema") ?? ["type": "object"]))
        }
        if let choice = try fields.object("tool_choice") {
            try choice.refuseOthers(["type", "name", "disable_parallel_tool_use"], target: target)
            switch try choice.requiredString("type") {
            case "auto": request.toolChoice = .auto
            case "any": request.toolChoice = .required
            case "none": request.toolChoice = ToolChoice.none
            case "tool": request.toolChoice = .tool(try choice.requiredString("name"))
            case let other: throw .invalid(choice.path("type"), "\"\(other)\" is not auto, any, tool or none")
            }
            if try choice.bool("disable_parallel_tool_use") == true { request.parallelToolCalls = false }
        }
        request.stopSequences = try fields.strings("stop_sequences")
        request.maxTokens = try fields.int("max_tokens")
        request.temperature = try fields.number("temperature")
        request.topP = try fields.number("top_p")
        request.topK = try fields.number("top_k")
        request.stream = try fields.bool("stream") ?? false
        if let metadata = try fields.object("metadata") {
            try metadata.refuseOthers(["user_id"], target: target)
            request.user = try metadata.string("user_id")
        }
        if let thinking = try fields.object("thinking") {
            switch try thinking.requiredString("type") {
            case "enabled":
                try thinking.refuseOthers(["type", "budget_tokens"], target: target)
                guard let budget = try thinking.int("budget_tokens"), budget > 0 else {
                    throw .invalid(thinking.path("budget_tokens"), "is required: a positive number of tokens")
                }
                request.reasoning = Reasoning(budgetTokens: budget)
            case "disabled": break
            case let other: throw .unsupported(thinking.path("type") + " \"\(other)\"", target: target)
            }
        }
        return request
    }

    /// A message's `content`: a string or content blocks.
    private static func blocks(_ message: FieldReader, _ key: String, target: String) throws(TranslationError)
        -> [ContentPart]
    {
        switch message.value(key) {
        case nil: throw .invalid(message.path(key), "is required")
        case .string(let text)?: return [.text(text)]
        case .array?:
            var parts: [ContentPart] = []
            for block in try message.objects(key) {
                if let part = try self.block(block, target: target) { parts.append(part) }
            }
            return parts
        case let other?: throw .invalid(message.path(key), "must be a string or content blocks, not \(other.kind)")
        }
    }

    /// One content block; nil for what is dropped as harmless (a redacted thinking block).
    private static func block(_ block: FieldReader, target: String) throws(TranslationError) -> ContentPart? {
        let type = try block.requiredString("type")
        switch type {
        case "text":
            try block.refuseOthers(["type", "text", "cache_control", "citations"], target: target)
            return .text(try block.requiredString("text"))
        case "image":
            try block.refuseOthers(["type", "source", "cache_control"], target: target)
            guard let source = try block.object("source") else { throw .invalid(block.path("source"), "is required") }
            switch try source.requiredString("type") {
            case "base64":
                return .image(
                    .base64(mediaType: try source.requiredString("media_type"), data: try source.requiredString("data"))
                )
            case "url": return .image(.url(try source.requiredString("url")))
            case let other: throw .unsupported(source.path("type") + " \"\(other)\"", target: target)
            }
        case "tool_use":
            try block.refuseOthers(["type", "id", "name", "input", "cache_control"], target: target)
            return .toolCall(
                ToolCall(
                    id: try block.requiredString("id"), name: try block.requiredString("name"),
                    arguments: (block.value("input") ?? [:]).text))
        case "tool_result":
            try block.refuseOthers(["type", "tool_use_id", "content", "is_error", "cache_control"], target: target)
            var content: [ContentPart] = []
            switch block.value("content") {
            case nil: break
            case .string(let text)?: content = [.text(text)]
            default:
                for inner in try block.objects("content") {
                    guard let part = try self.block(inner, target: target) else { continue }
                    switch part {
                    case .text, .image: content.append(part)
                    default: throw .invalid(inner.path("type"), "must be text or image in a tool result")
                    }
                }
            }
            return .toolResult(
                ToolResult(
                    callID: try block.requiredString("tool_use_id"), content: content,
                    isError: try block.bool("is_error") ?? false))
        case "thinking":
            return .reasoning(try block.string("thinking") ?? "")
        case "redacted_thinking":
            return nil
        default:
            throw .unsupported(block.path("type") + " \"\(type)\"", target: target)
        }
    }

    public func encodeRequest(_ request: ChatRequest) throws(TranslationError) -> JSON {
        var body: JSONObject = JSONObject()
        body["model"] = .string(request.model)
        var maxTokens = request.maxTokens ?? Self.defaultMaxTokens
        if let reasoning = request.reasoning {
            // Anthropic counts thinking in max_tokens, which must exceed the budget.
            let budget = max(1024, reasoning.budget)
            if maxTokens <= budget { maxTokens = budget + (request.maxTokens ?? Self.defaultMaxTokens) }
            body["thinking"] = ["type": "enabled", "budget_tokens": .int(budget)]
        }
        body["max_tokens"] = .int(maxTokens)
        if !request.system.isEmpty { body["system"] = .string(request.system.joined(separator: "\n\n")) }
        var messages: [JSON] = []
        for (index, message) in request.messages.enumerated() {
            let blocks = try encode(message.content, path: "messages[\(index)]")
            // Anthropic wants turns to alternate: consecutive messages of one role become one.
            if case .object(var last)? = messages.last, last["role"]?.string == message.role.rawValue,
                case .array(let earlier)? = last["content"]
            {
                last["content"] = .array(earlier + blocks)
                messages[messages.count - 1] = .object(last)
            } else {
                messages.append(["role": .string(message.role.rawValue), "content": .array(blocks)])
            }
        }
        body["messages"] = .array(messages)
        var tools = request.tools.map { tool -> JSON in
            [
                "name": .string(tool.name), "description": tool.description.map(JSON.string),
                "input_schema": tool.parameters,
            ]
        }
        var choice: JSONObject?
        switch request.toolChoice {
        case nil: break
        case .auto?: choice = JSONObject([.init(key: "type", value: "auto")])
        case .none?: choice = JSONObject([.init(key: "type", value: "none")])
        case .required?: choice = JSONObject([.init(key: "type", value: "any")])
        case .tool(let name)?:
            choice = JSONObject([.init(key: "type", value: "tool"), .init(key: "name", value: .string(name))])
        }
        switch request.responseFormat {
        case nil, .text?: break
        case let format?:
            guard request.tools.isEmpty else {
                throw .unsupported(
                    "response_format", target: name,
                    because: "JSON output goes through a tool, and the request has tools of its own")
            }
            var schema: JSON = ["type": "object"]
            var description = "Answer with this tool: its input is the answer, as JSON."
            if case .jsonSchema(let schemaName, let given, _) = format {
                schema = given
                description = "Answer with this tool: its input is the answer (\(schemaName)), as JSON."
            }
            tools = [["name": .string(Self.jsonTool), "description": .string(description), "input_schema": schema]]
            choice = JSONObject([.init(key: "type", value: "tool"), .init(key: "name", value: .string(Self.jsonTool))])
        }
        if request.parallelToolCalls == false, !request.tools.isEmpty {
            var object = choice ?? JSONObject([.init(key: "type", value: "auto")])
            object["disable_parallel_tool_use"] = true
            choice = object
        }
        if !tools.isEmpty { body["tools"] = .array(tools) }
        if let choice { body["tool_choice"] = .object(choice) }
        if !request.stopSequences.isEmpty { body["stop_sequences"] = .array(request.stopSequences.map(JSON.string)) }
        if let temperature = request.temperature { body["temperature"] = .number(temperature) }
        if let topP = request.topP { body["top_p"] = .number(topP) }
        if let topK = request.topK { body["top_k"] = .number(topK) }
        if request.stream { body["stream"] = true }
        if let user = request.user { body["metadata"] = ["user_id": .string(user)] }
        return .object(body)
    }

    private func encode(_ content: [ContentPart], path: String) throws(TranslationError) -> [JSON] {
        var blocks: [JSON] = []
        for (index, part) in content.enumerated() {
            switch part {
            case .text(let text):
                // Anthropic refuses empty text blocks.
                if !text.isEmpty { blocks.append(["type": "text", "text": .string(text)]) }
            case .image(let source): blocks.append(Self.image(source))
            case .toolCall(let call):
                let input = try call.input(at: path)
                blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input])
            case .toolResult(let result):
                var inner: [JSON] = []
                for item in result.content {
                    switch item {
                    case .text(let text): if !text.isEmpty { inner.append(["type": "text", "text": .string(text)]) }
                    case .image(let source): inner.append(Self.image(source))
                    default: throw .invalid("\(path).content[\(index)]", "a tool result holds text and images")
                    }
                }
                blocks.append(
                    [
                        "type": "tool_result", "tool_use_id": .string(result.callID), "content": .array(inner),
                        "is_error": result.isError ? true : nil,
                    ])
            // Reasoning carries no signature across dialects, and Anthropic checks signatures:
            // earlier reasoning is left out (documented harmless).
            case .reasoning: continue
            }
        }
        return blocks
    }

    private static func image(_ source: ImageSource) -> JSON {
        switch source {
        case .url(let url): ["type": "image", "source": ["type": "url", "url": .string(url)]]
        case .base64(let mediaType, let data):
            ["type": "image", "source": ["type": "base64", "media_type": .string(mediaType), "data": .string(data)]]
        }
    }
}
