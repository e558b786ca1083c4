/// Google's Gemini API (`models/{model}:generateContent`, `:streamGenerateContent?alt=sse`), as
/// a provider: requests written from a ``ChatRequest``, answers, streams and errors read back.
public struct GeminiGenerateContent: ProviderDialect {
    public init() {}

    public var name: String { "Gemini generateContent" }

    /// The endpoint of a call: the model is a path segment.
    public static func path(model: String, streaming: Bool) -> String {
        "/v1beta/models/\(model):" + (streaming ? "streamGenerateContent?alt=sse" : "generateContent")
    }

    // MARK: - Requests

    public func encodeRequest(_ request: ChatRequest) throws(TranslationError) -> JSON {
        var body = JSONObject()
        var contents: [JSON] = []
        /// Tool results name their function: the calls seen so far, by id.
        var calls: [String: String] = [:]
        for (index, message) in request.messages.enumerated() {
            let role = message.role == .user ? "user" : "model"
            var parts: [JSON] = []
            for (position, part) in message.content.enumerated() {
                let path = "messages[\(index)].content[\(position)]"
                switch part {
                case .text(let text): if !text.isEmpty { parts.append(["text": .string(text)]) }
                case .image(let source): parts.append(try Self.image(source, path: path, target: name))
                case .toolCall(let call):
                    calls[call.id] = call.name
                    parts.append(
                        [
                            "functionCall": [
                                "id": .string(call.id), "name": .string(call.name),
                                "args": try call.input(at: "messages[\(index)]"),
                            ]
                        ])
                case .toolResult(let result):
                    guard let function = calls[result.callID] else {
                        throw .invalid(
                            path, "answers tool call \(result.callID), which no earlier assistant message made")
                    }
                    if result.hasImages {
                        throw .unsupported("\(path).content", target: name, because: "tool results are text")
                    }
                    parts.append(
                        [
                            "functionResponse": [
                                "id": .string(result.callID), "name": .string(function),
                                "response": Self.response(result),
                            ]
                        ])
                // Earlier reasoning has no place in Gemini's history (documented harmless).
                case .reasoning: continue
                }
            }
            if case .object(var last)? = contents.last, last["role"]?.string == role,
                case .array(let earlier)? = last["parts"]
            {
                last["parts"] = .array(earlier + parts)
                contents[contents.count - 1] = .object(last)
            } else {
                contents.append(["role": .string(role), "parts": .array(parts)])
            }
        }
        body["contents"] = .array(contents)
        if !request.system.isEmpty {
            body["systemInstruction"] = ["parts": [["text": .string(request.system.joined(separator: "\n\n"))]]]
        }
        if !request.tools.isEmpty {
            body["tools"] = [
                [
                    "functionDeclarations": .array(
                        request.tools.map { tool in
                            [
                                "name": .string(tool.name), "description": tool.description.map(JSON.string),
                                "parametersJsonSchema": tool.parameters,
                            ]
                        })
                ]
            ]
        }
        if request.parallelToolCalls == false {
            throw .unsupported(
                "parallel_tool_calls", target: name, because: "Gemini cannot limit an answer to one call")
        }
        switch request.toolChoice {
        case nil: break
        case .auto?: body["toolConfig"] = ["functionCallingConfig": ["mode": "AUTO"]]
        case .none?: body["toolConfig"] = ["functionCallingConfig": ["mode": "NONE"]]
        case .required?: body["toolConfig"] = ["functionCallingConfig": ["mode": "ANY"]]
        case .tool(let tool)?:
            body["toolConfig"] = ["functionCallingConfig": ["mode": "ANY", "allowedFunctionNames": [.string(tool)]]]
        }
        var config = JSONObject()
        if !request.stopSequences.isEmpty { config["stopSequences"] = .array(request.stopSequences.map(JSON.string)) }
        if let maxTokens = request.maxTokens { config["maxOutputTokens"] = .int(maxTokens) }
        if let temperature = request.temperature { config["temperature"] = .number(temperature) }
        if let topP = request.topP { config["topP"] = .number(topP) }
        if let topK = request.topK { config["topK"] = .number(topK) }
        if let reasoning = request.reasoning {
            config["thinkingConfig"] = ["thinkingBudget": .int(reasoning.budget), "includeThoughts": true]
        }
        switch request.responseFormat {
        case nil, .text?: break
        case .jsonObject?: config["responseMimeType"] = "application/json"
        case .jsonSchema(_, let schema, _)?:
            config["responseMimeType"] = "application/json"
            config["responseJsonSchema"] = schema
        }
        if !config.isEmpty { body["generationConfig"] = .object(config) }
        return .object(body)
    }

    /// Images inline (base64), or by URL as `fileData`, whose media type comes from the URL's extension.
    private static func image(_ source: ImageSource, path: String, target: String) throws(TranslationError) -> JSON {
        switch source {
        case .base64(let mediaType, let data):
            return ["inlineData": ["mimeType": .string(mediaType), "data": .string(data)]]
        case .url(let url):
            let plain = url.split(separator: "?").first.map(String.init) ?? url
            let types = [
                "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
                "gif": "image/gif", "heic": "image/heic", "heif": "image/heif",
            ]
            guard let ext = plain.split(separator: ".").last?.lowercased(), let type = types[ext] else {
                throw .unsupported(
                    path, target: target,
                    because: "an image URL without a known image extension: send it as base64 data")
            }
            return ["fileData": ["mimeType": .string(type), "fileUri": .string(url)]]
        }
    }

    /// A function's response must be an object: a result that is one goes as it is, any other
    /// text as `{result}` (`{error}` for a failed call).
    private static func response(_ result: ToolResult) -> JSON {
        if let object = (try? JSON(parsing: Array(result.text.utf8)))?.object, !result.isError {
            return .object(object)
        }
        return [result.isError ? "error" : "result": .string(result.text)]
    }

    // MARK: - Answers

    public func decodeResponse(_ body: JSONObject, for request: ChatRequest) -> ChatResponse {
        let id = body["responseId"]?.string ?? ""
        let candidate = body["candidates"]?.array?.first
        var content: [ContentPart] = []
        for (index, part) in (candidate?["content"]?["parts"]?.array ?? []).enumerated() {
            if let text = part["text"]?.string {
                content.append(part["thought"]?.bool == true ? .reasoning(text) : .text(text))
            } else if let call = part["functionCall"] {
                content.append(.toolCall(Self.call(call, response: id, index: index)))
            }
        }
        let calls = content.contains { if case .toolCall = $0 { true } else { false } }
        var finish = candidate?["finishReason"]?.string.map { Self.finish($0, calls: calls) }
        if candidate == nil, body["promptFeedback"]?["blockReason"] != nil { finish = .contentFilter }
        return ChatResponse(
            id: id, model: body["modelVersion"]?.string ?? request.model, content: content, finish: finish,
            usage: body["usageMetadata"].flatMap(Self.usage))
    }

    static func call(_ call: JSON, response: String, index: Int) -> ToolCall {
        ToolCall(
            id: call["id"]?.string ?? "call_\(response.isEmpty ? "" : response + "_")\(index)",
            name: call["name"]?.string ?? "", arguments: (call["args"] ?? [:]).text)
    }

    static func finish(_ reason: String, calls: Bool) -> FinishReason {
        switch reason {
        case "STOP": calls ? .toolUse : .endTurn
        case "MAX_TOKENS": .maxTokens
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY": .contentFilter
        default: .other(reason)
        }
    }

    /// `promptTokenCount` counts cached tokens too; thinking is billed as output.
    static func usage(_ usage: JSON) -> ChatUsage? {
        guard usage.object != nil else { return nil }
        let thoughts = usage["thoughtsTokenCount"]?.int
        return ChatUsage(
            input: usage["promptTokenCount"]?.int ?? 0,
            output: (usage["candidatesTokenCount"]?.int ?? 0) + (thoughts ?? 0),
            cacheRead: usage["cachedContentTokenCount"]?.int ?? 0, reasoning: thoughts)
    }

    // MARK: - Errors

    /// `{error: {code, message, status}}`.
    public func decodeFailure(status: Int, body: [UInt8]) -> ProviderFailure {
        guard let error = JSON.answer(body)?["error"], let message = error["message"]?.string else {
            return .unreadable(status: status, body: body)
        }
        return ProviderFailure(status: status, kind: error["status"]?.string.flatMap(Self.kind), message: message)
    }

    static func kind(_ status: String) -> ProviderFailure.Kind? {
        switch status {
        case "RESOURCE_EXHAUSTED": .rateLimited
        case "UNAUTHENTICATED": .authentication
        case "PERMISSION_DENIED": .permission
        case "NOT_FOUND": .notFound
        case "UNAVAILABLE": .overloaded
        default: nil
        }
    }

    // MARK: - Streams

    public func streamDecoder(for request: ChatRequest) -> any ChatStreamDecoder {
        GeminiStreamDecoder(model: request.model)
    }
}

/// Reads Gemini's stream: each event a partial answer (text, whole function calls), the last
/// with the finish reason; usage as it stands in each.
struct GeminiStreamDecoder: ChatStreamDecoder {
    let model: String
    private var started = false
    private var ended = false
    private var calls = 0
    private var id = ""

    init(model: String) {
        self.model = model
    }

    mutating func decode(_ event: ServerSentEvent) -> [ChatStreamEvent] {
        guard !ended, let chunk = JSON.answer(event.data) else { return [] }
        if let error = chunk["error"] {
            ended = true
            let failure = ProviderFailure(
                status: error["code"]?.int ?? 500, kind: error["status"]?.string.flatMap(GeminiGenerateContent.kind),
                message: error["message"]?.string ?? "the stream failed")
            return [.failure(failure)]
        }
        var events: [ChatStreamEvent] = []
        if !started {
            started = true
            id = chunk["responseId"]?.string ?? ""
            events.append(.start(id: id, model: chunk["modelVersion"]?.string ?? model, usage: nil))
        }
        let candidate = chunk["candidates"]?.array?.first
        for part in candidate?["content"]?["parts"]?.array ?? [] {
            if let text = part["text"]?.string {
                if !text.isEmpty { events.append(part["thought"]?.bool == true ? .reasoning(text) : .text(text)) }
            } else if let function = part["functionCall"] {
                let call = GeminiGenerateContent.call(function, response: id, index: calls)
                events.append(.toolCallStart(index: calls, id: call.id, name: call.name))
                events.append(.toolArguments(index: calls, fragment: call.arguments))
                calls += 1
            }
        }
        if let usage = chunk["usageMetadata"].flatMap(GeminiGenerateContent.usage) { events.append(.usage(usage)) }
        if let reason = candidate?["finishReason"]?.string {
            events.append(.finish(GeminiGenerateContent.finish(reason, calls: calls > 0), stopSequence: nil))
        } else if candidate == nil, chunk["promptFeedback"]?["blockReason"] != nil {
            events.append(.finish(.contentFilter, stopSequence: nil))
        }
        return events
    }

    mutating func finish() -> [ChatStreamEvent] {
        guard !ended else { return [] }
        ended = true
        return [.end]
    }
}
