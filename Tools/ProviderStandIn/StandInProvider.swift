import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A stand-in AI provider for tests and benchmarks (real providers cannot be reached here): it
/// speaks OpenAI's, Anthropic's and Cohere's wire formats, plain and streamed, with fixed,
/// known token counts, and answers tools with a tool call and tool results with their text
/// (``StandInReply``).
///
/// Models steer it: `slow-stream` waits `chunkDelay` between stream chunks; `endless` streams
/// until the client leaves; `broken-stream` sends its first event and then drops the connection;
/// `error-NNN` answers status NNN (429 with `Retry-After: 7`); `ratelimited-N` answers 429 with
/// `Retry-After: N`; `hang` never answers; `redirect-NNN` answers status NNN with
/// `Location: /stolen` (a route that records whatever reaches it); `flaky` fails with 503 once per
/// conversation (`user` field) and then works. The header `x-stand-in-fail` steers a chat call the
/// same way whatever its model (`x-stand-in-fail: 429` is `error-429`; `hang`, `ratelimited-N`),
/// so a credential's `meta.headers` can make a real model's name fail.
public struct StandInProvider: Sendable {
    /// The token counts every answer reports.
    public enum Tokens {
        public static let openAIPrompt = 12
        public static let openAICompletion = 5
        public static let openAICached = 2
        public static let embeddingPrompt = 8
        public static let anthropicInput = 21
        public static let anthropicOutput = 9
        public static let anthropicCacheRead = 4
        public static let cohereInput = 13
        public static let cohereOutput = 6
        public static let geminiPrompt = 14
        public static let geminiOutput = 7
        public static let geminiCached = 3
    }

    public static let words = ["Hello", " from", " the", " stand-in"]
    /// What `kb-` models answer (for benchmarks of a ~1 KB answer).
    public static let kilobyte = String(
        repeating: "The quick brown fox jumps over the lazy dog, and the dog does not mind at all. ", count: 11)

    public let log: StandInLog
    public let chunkDelay: Duration
    public let record: Bool
    private let answers = AnswerCache()

    public init(log: StandInLog = StandInLog(), chunkDelay: Duration = .milliseconds(150), record: Bool = true) {
        self.log = log
        self.chunkDelay = chunkDelay
        self.record = record
    }

    /// Runs the server on 127.0.0.1:`port` (0: any); `onStart` gets the port.
    public func run(port: Int = 0, logger: Logger, onStart: @escaping @Sendable (Int) async -> Void = { _ in })
        async throws
    {
        let router = Router()
        let provider = self
        router.post("/v1/chat/completions") { request, context in try await provider.chat(request, context: context) }
        router.post("/openai/deployments/{deployment}/chat/completions") { request, context in
            try await provider.chat(request, context: context)
        }
        router.post("/v1/embeddings") { request, context in try await provider.embeddings(request, context: context) }
        router.post("/v1/responses") { request, context in try await provider.responses(request, context: context) }
        router.get("/v1/models") { request, context in try await provider.models(request, context: context) }
        router.post("/v1/messages") { request, context in try await provider.messages(request, context: context) }
        router.post("/v2/chat") { request, context in try await provider.cohereChat(request, context: context) }
        router.post("/v1beta/models/{action}") { request, context in
            try await provider.gemini(request, context: context)
        }
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/stolen", method: method) { request, context in
                _ = try await provider.receive(request, context: context)
                return Response(status: .ok)
            }
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in await onStart(channel.localAddress?.port ?? port) }, logger: logger)
        try await app.runService(gracefulShutdownSignals: [])
    }

    // MARK: - OpenAI

    func chat(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (received, fields) = try await receiveFields(request, context: context)
        let model = fields?.string("model") ?? "unknown"
        let steer = Self.steering(received) ?? model
        if steer.hasPrefix("error-") || steer.hasPrefix("redirect-") || steer.hasPrefix("ratelimited-")
            || steer == "flaky" || steer == "hang",
            let failure = try await failure(model: steer, received: received, json: received.json)
        {
            return failure
        }
        let stream = fields?.bool("stream") ?? false
        let includeUsage = fields?.object("stream_options")?.bool("include_usage") ?? false
        let reply = StandInReply(body: received.body) { received.json }
        if !stream, reply == .words, let cached = answers.cached(model) {
            return Response(
                status: .ok, headers: Self.chatHeaders, body: .init(byteBuffer: cached))
        }
        let usage: [String: Any] = [
            "prompt_tokens": Tokens.openAIPrompt, "completion_tokens": Tokens.openAICompletion,
            "total_tokens": Tokens.openAIPrompt + Tokens.openAICompletion,
            "prompt_tokens_details": ["cached_tokens": Tokens.openAICached],
        ]
        let call: [String: Any]? = {
            guard case .toolCall(let name) = reply else { return nil }
            return [
                "id": StandInReply.toolCallID, "type": "function",
                "function": ["name": name, "arguments": StandInReply.toolArguments],
            ]
        }()
        guard stream else {
            var message: [String: Any] = ["role": "assistant", "content": call == nil ? reply.text : NSNull()]
            if let call { message["tool_calls"] = [call] }
            let body = ByteBuffer(
                string: Self.text([
                    "id": "chatcmpl-standin", "object": "chat.completion", "created": 1_700_000_000, "model": model,
                    "choices": [
                        ["index": 0, "finish_reason": call == nil ? "stop" : "tool_calls", "message": message]
                    ],
                    "usage": usage,
                ]))
            if reply == .words { answers.store(model, body) }
            return Response(status: .ok, headers: Self.chatHeaders, body: .init(byteBuffer: body))
        }
        var events: [[String: Any]] = [
            Self.chunk(model, delta: ["role": "assistant", "content": ""])
        ]
        switch reply {
        case .words: events += Self.words.map { Self.chunk(model, delta: ["content": $0]) }
        case .text(let text): events.append(Self.chunk(model, delta: ["content": text]))
        case .toolCall(let name):
            events.append(
                Self.chunk(
                    model,
                    delta: [
                        "tool_calls": [
                            [
                                "index": 0, "id": StandInReply.toolCallID, "type": "function",
                                "function": ["name": name, "arguments": ""],
                            ]
                        ]
                    ]))
            events += StandInReply.toolArgumentPieces.map {
                Self.chunk(model, delta: ["tool_calls": [["index": 0, "function": ["arguments": $0]]]])
            }
        }
        events.append(Self.chunk(model, delta: [:], finish: call == nil ? "stop" : "tool_calls"))
        if includeUsage {
            events.append([
                "id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
                "choices": [], "usage": usage,
            ])
        }
        let lines = events.map { "data: " + Self.text($0) + "\n\n" } + ["data: [DONE]\n\n"]
        return sse(
            lines, endless: model == "endless", delayed: model == "slow-stream", breaks: model == "broken-stream")
    }

    static func chunk(_ model: String, delta: [String: Any], finish: String? = nil) -> [String: Any] {
        [
            "id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
            "choices": [["index": 0, "delta": delta, "finish_reason": finish as Any? ?? NSNull()]],
        ]
    }

    func embeddings(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (received, json) = try await receive(request, context: context)
        let model = json["model"] as? String ?? "unknown"
        if let failure = try await failure(model: Self.steering(received) ?? model, received: received, json: json) {
            return failure
        }
        let inputs = (json["input"] as? [Any])?.count ?? 1
        return Self.json([
            "object": "list", "model": model,
            "data": (0..<inputs).map { ["object": "embedding", "index": $0, "embedding": [0.25, -0.5, 0.125]] },
            "usage": ["prompt_tokens": Tokens.embeddingPrompt, "total_tokens": Tokens.embeddingPrompt],
        ])
    }

    func models(_ request: Request, context: BasicRequestContext) async throws -> Response {
        _ = try await receive(request, context: context)
        if request.headers[HTTPField.Name("x-api-key")!] != nil {
            return Self.json([
                "data": [["id": "claude-3-5-haiku-latest", "type": "model", "created_at": "2024-10-22T00:00:00Z"]],
                "has_more": false,
            ])
        }
        return Self.json([
            "object": "list",
            "data": [
                ["id": "gpt-4o-mini", "object": "model", "created": 1_721_172_741, "owned_by": "system"],
                ["id": "text-embedding-3-small", "object": "model", "created": 1_705_948_997, "owned_by": "system"],
            ],
        ])
    }

    /// OpenAI's Responses API: the words as one message item; streamed as `response.*` events.
    func responses(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (received, json) = try await receive(request, context: context)
        let model = json["model"] as? String ?? "unknown"
        if let failure = try await failure(model: Self.steering(received) ?? model, received: received, json: json) {
            return failure
        }
        let usage: [String: Any] = [
            "input_tokens": Tokens.openAIPrompt, "input_tokens_details": ["cached_tokens": Tokens.openAICached],
            "output_tokens": Tokens.openAICompletion, "output_tokens_details": ["reasoning_tokens": 0],
            "total_tokens": Tokens.openAIPrompt + Tokens.openAICompletion,
        ]
        let text = Self.words.joined()
        let item: [String: Any] = [
            "type": "message", "id": "msg_standin", "status": "completed", "role": "assistant",
            "content": [["type": "output_text", "text": text, "annotations": []]],
        ]
        func response(_ status: String, output: [[String: Any]], usage: Any) -> [String: Any] {
            [
                "id": "resp_standin", "object": "response", "created_at": 1_700_000_000, "status": status,
                "model": model,
                "output": output, "usage": usage, "error": NSNull(), "incomplete_details": NSNull(),
            ]
        }
        guard json["stream"] as? Bool ?? false else {
            return Self.json(response("completed", output: [item], usage: usage))
        }
        var events: [[String: Any]] = [
            ["type": "response.created", "response": response("in_progress", output: [], usage: NSNull())],
            [
                "type": "response.output_item.added", "output_index": 0,
                "item": [
                    "type": "message", "id": "msg_standin", "status": "in_progress", "role": "assistant", "content": [],
                ],
            ],
            [
                "type": "response.content_part.added", "item_id": "msg_standin", "output_index": 0, "content_index": 0,
                "part": ["type": "output_text", "text": "", "annotations": []],
            ],
        ]
        events += Self.words.map {
            [
                "type": "response.output_text.delta", "item_id": "msg_standin", "output_index": 0, "content_index": 0,
                "delta": $0,
            ]
        }
        events += [
            [
                "type": "response.output_text.done", "item_id": "msg_standin", "output_index": 0, "content_index": 0,
                "text": text,
            ],
            [
                "type": "response.content_part.done", "item_id": "msg_standin", "output_index": 0, "content_index": 0,
                "part": ["type": "output_text", "text": text, "annotations": []],
            ],
            ["type": "response.output_item.done", "output_index": 0, "item": item],
            ["type": "response.completed", "response": response("completed", output: [item], usage: usage)],
        ]
        let numbered = events.enumerated().map { index, event in
            event.merging(["sequence_number": index]) { $1 }
        }
        return sse(
            numbered.map { "event: \($0["type"] as? String ?? "")\ndata: \(Self.text($0))\n\n" }, endless: false,
            delayed: model == "slow-stream")
    }

    // MARK: - Anthropic

    func messages(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (received, json) = try await receive(request, context: context)
        let model = json["model"] as? String ?? "unknown"
        if let failure = try await failure(model: Self.steering(received) ?? model, received: received, json: json) {
            return failure
        }
        let reply = StandInReply(body: received.body) { json }
        let block: [String: Any] =
            switch reply {
            case .toolCall(let name):
                ["type": "tool_use", "id": StandInReply.toolCallID, "name": name, "input": ["city": "Paris"]]
            default: ["type": "text", "text": model.hasPrefix("kb-") ? Self.kilobyte : reply.text]
            }
        let stopReason = block["type"] as? String == "tool_use" ? "tool_use" : "end_turn"
        guard json["stream"] as? Bool ?? false else {
            return Self.json(
                [
                    "id": "msg_standin", "type": "message", "role": "assistant", "model": model,
                    "content": [block], "stop_reason": stopReason, "stop_sequence": NSNull(),
                    "usage": [
                        "input_tokens": Tokens.anthropicInput, "output_tokens": Tokens.anthropicOutput,
                        "cache_read_input_tokens": Tokens.anthropicCacheRead, "cache_creation_input_tokens": 0,
                    ],
                ], headers: [HTTPField.Name("request-id")!: "req_anthropic_1"])
        }
        var events: [(String, [String: Any])] = [
            (
                "message_start",
                [
                    "type": "message_start",
                    "message": [
                        "id": "msg_standin", "type": "message", "role": "assistant", "model": model, "content": [],
                        "stop_reason": NSNull(), "stop_sequence": NSNull(),
                        "usage": [
                            "input_tokens": Tokens.anthropicInput, "output_tokens": 1,
                            "cache_read_input_tokens": Tokens.anthropicCacheRead, "cache_creation_input_tokens": 0,
                        ],
                    ],
                ]
            )
        ]
        let deltas: [[String: Any]]
        if case .toolCall = reply {
            var start = block
            start["input"] = [String: Any]()
            events.append(("content_block_start", ["type": "content_block_start", "index": 0, "content_block": start]))
            deltas = StandInReply.toolArgumentPieces.map { ["type": "input_json_delta", "partial_json": $0] }
        } else {
            events.append(
                (
                    "content_block_start",
                    ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]]
                ))
            deltas = (reply == .words ? Self.words : [reply.text]).map { ["type": "text_delta", "text": $0] }
        }
        events.append(("ping", ["type": "ping"]))
        events += deltas.map { ("content_block_delta", ["type": "content_block_delta", "index": 0, "delta": $0]) }
        events += [
            ("content_block_stop", ["type": "content_block_stop", "index": 0]),
            (
                "message_delta",
                [
                    "type": "message_delta", "delta": ["stop_reason": stopReason, "stop_sequence": NSNull()],
                    "usage": ["output_tokens": Tokens.anthropicOutput],
                ]
            ),
            ("message_stop", ["type": "message_stop"]),
        ]
        return sse(
            events.map { "event: \($0.0)\ndata: \(Self.text($0.1))\n\n" }, endless: false,
            delayed: model == "slow-stream")
    }

    // MARK: - Cohere

    func cohereChat(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (received, json) = try await receive(request, context: context)
        let model = json["model"] as? String ?? "unknown"
        if let failure = try await failure(model: Self.steering(received) ?? model, received: received, json: json) {
            return failure
        }
        let usage: [String: Any] = [
            "billed_units": ["input_tokens": Tokens.cohereInput, "output_tokens": Tokens.cohereOutput],
            "tokens": ["input_tokens": Tokens.cohereInput + 200, "output_tokens": Tokens.cohereOutput],
        ]
        let reply = StandInReply(body: received.body) { json }
        let call: [String: Any]? = {
            guard case .toolCall(let name) = reply else { return nil }
            return [
                "id": StandInReply.toolCallID, "type": "function",
                "function": ["name": name, "arguments": StandInReply.toolArguments],
            ]
        }()
        let finish = call == nil ? "COMPLETE" : "TOOL_CALL"
        guard json["stream"] as? Bool ?? false else {
            var message: [String: Any] = ["role": "assistant"]
            if let call {
                message["tool_plan"] = "I will look it up."
                message["tool_calls"] = [call]
            } else {
                message["content"] = [["type": "text", "text": reply.text]]
            }
            return Self.json(["id": "cohere-standin", "finish_reason": finish, "message": message, "usage": usage])
        }
        var events: [(String, [String: Any])] = [
            (
                "message-start",
                ["type": "message-start", "id": "cohere-standin", "delta": ["message": ["role": "assistant"]]]
            )
        ]
        if let call {
            events += [
                (
                    "tool-plan-delta",
                    ["type": "tool-plan-delta", "delta": ["message": ["tool_plan": "I will look it up."]]]
                ),
                (
                    "tool-call-start",
                    [
                        "type": "tool-call-start", "index": 0,
                        "delta": [
                            "message": [
                                "tool_calls": [
                                    "id": StandInReply.toolCallID, "type": "function",
                                    "function": [
                                        "name": (call["function"] as? [String: Any])?["name"] ?? "", "arguments": "",
                                    ],
                                ]
                            ]
                        ],
                    ]
                ),
            ]
            events += StandInReply.toolArgumentPieces.map {
                (
                    "tool-call-delta",
                    [
                        "type": "tool-call-delta", "index": 0,
                        "delta": ["message": ["tool_calls": ["function": ["arguments": $0]]]],
                    ]
                )
            }
            events.append(("tool-call-end", ["type": "tool-call-end", "index": 0]))
        } else {
            events.append(
                (
                    "content-start",
                    [
                        "type": "content-start", "index": 0,
                        "delta": ["message": ["content": ["type": "text", "text": ""]]],
                    ]
                ))
            events += (reply == .words ? Self.words : [reply.text]).map {
                (
                    "content-delta",
                    ["type": "content-delta", "index": 0, "delta": ["message": ["content": ["text": $0]]]]
                )
            }
            events.append(("content-end", ["type": "content-end", "index": 0]))
        }
        events.append(("message-end", ["type": "message-end", "delta": ["finish_reason": finish, "usage": usage]]))
        return sse(
            events.map { "event: \($0.0)\ndata: \(Self.text($0.1))\n\n" }, endless: false,
            delayed: model == "slow-stream")
    }

    // MARK: - Gemini

    /// `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent?alt=sse`, with
    /// `x-goog-api-key`.
    func gemini(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (received, json) = try await receive(request, context: context)
        let action = context.parameters.get("action") ?? ""
        guard let colon = action.lastIndex(of: ":") else { return Response(status: .notFound) }
        let model = String(action[..<colon])
        let streaming = action[action.index(after: colon)...] == "streamGenerateContent"
        guard received.header("x-goog-api-key") != nil else {
            return Self.json(
                ["error": ["code": 401, "message": "API key missing", "status": "UNAUTHENTICATED"]],
                status: .unauthorized)
        }
        if model.hasPrefix("error-"), let code = Int(model.dropFirst(6)) {
            let status = code == 429 ? "RESOURCE_EXHAUSTED" : code == 400 ? "INVALID_ARGUMENT" : "INTERNAL"
            return Self.json(
                ["error": ["code": code, "message": "stand-in failure \(code)", "status": status]],
                status: .init(code: code), headers: code == 429 ? [.retryAfter: "7"] : [:])
        }
        let reply = StandInReply(body: received.body) { json }
        let usage: [String: Any] = [
            "promptTokenCount": Tokens.geminiPrompt, "candidatesTokenCount": Tokens.geminiOutput,
            "totalTokenCount": Tokens.geminiPrompt + Tokens.geminiOutput,
            "cachedContentTokenCount": Tokens.geminiCached,
        ]
        func chunk(_ parts: [[String: Any]], finish: Bool, usage: [String: Any]) -> [String: Any] {
            var candidate: [String: Any] = ["content": ["role": "model", "parts": parts], "index": 0]
            if finish { candidate["finishReason"] = "STOP" }
            return [
                "candidates": [candidate], "usageMetadata": usage, "modelVersion": model,
                "responseId": "gemini-standin",
            ]
        }
        let parts: [[String: Any]]
        if case .toolCall(let name) = reply {
            parts = [["functionCall": ["name": name, "args": ["city": "Paris"]]]]
        } else {
            parts = (reply == .words ? Self.words : [reply.text]).map { ["text": $0] }
        }
        guard streaming else {
            let text = reply == .words ? [["text": Self.words.joined()]] : parts
            return Self.json(chunk(text, finish: true, usage: usage))
        }
        // Each event: its part, the usage so far; the last one finishes.
        let partial = ["promptTokenCount": Tokens.geminiPrompt, "totalTokenCount": Tokens.geminiPrompt]
        let events = parts.enumerated().map { index, part in
            chunk([part], finish: index == parts.count - 1, usage: index == parts.count - 1 ? usage : partial)
        }
        return sse(events.map { "data: \(Self.text($0))\r\n\r\n" }, endless: false, delayed: model == "slow-stream")
    }

    // MARK: - Plumbing

    /// A chat answer's headers as OpenAI sends them: its request id and all six rate-limit
    /// headers (the chain passes them on, or writes the tenant's own limits in their place).
    static let chatHeaders: HTTPFields = [
        .contentType: "application/json", HTTPField.Name("x-request-id")!: "req_standin_1",
        HTTPField.Name("x-ratelimit-limit-requests")!: "100",
        HTTPField.Name("x-ratelimit-limit-tokens")!: "200000",
        HTTPField.Name("x-ratelimit-remaining-requests")!: "99",
        HTTPField.Name("x-ratelimit-remaining-tokens")!: "199990",
        HTTPField.Name("x-ratelimit-reset-requests")!: "600ms",
        HTTPField.Name("x-ratelimit-reset-tokens")!: "3ms",
    ]

    /// Like `receive`, but reads only the top-level fields (cheap, for the benchmark's hot path).
    private func receiveFields(_ request: Request, context: BasicRequestContext) async throws -> (
        StandInRequest, JSONFields?
    ) {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024 * 1024)
        let bytes = Array(body.readableBytesView)
        let received = StandInRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            headers: record ? Dictionary(request.headers.map { ($0.name.rawName.lowercased(), $0.value) }) { $1 } : [:],
            body: bytes)
        if record { log.record(received) }
        return (received, JSONFields(bytes))
    }

    private func receive(_ request: Request, context: BasicRequestContext) async throws -> (
        StandInRequest, [String: Any]
    ) {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024 * 1024)
        let received = StandInRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            headers: Dictionary(request.headers.map { ($0.name.rawName.lowercased(), $0.value) }) { $1 },
            body: Array(body.readableBytesView))
        if record { log.record(received) }
        return (received, received.json)
    }

    /// `x-stand-in-fail` as a model's name: `429` is `error-429`.
    static func steering(_ received: StandInRequest) -> String? {
        guard let value = received.headers["x-stand-in-fail"] else { return nil }
        return Int(value) != nil ? "error-\(value)" : value
    }

    /// `error-NNN`, `ratelimited-N`, `hang`, `redirect-NNN` and `flaky` models.
    private func failure(model: String, received: StandInRequest, json: [String: Any]) async throws -> Response? {
        if model == "hang" {
            try await Task.sleep(for: .seconds(3600))
            return nil
        }
        if model.hasPrefix("redirect-"), let code = Int(model.dropFirst(9)) {
            return Response(status: .init(code: code), headers: [.location: "/stolen"])
        }
        var status: Int?
        var retryAfter = "7"
        if model.hasPrefix("error-"), let code = Int(model.dropFirst(6)) { status = code }
        if model.hasPrefix("ratelimited-"), let seconds = Int(model.dropFirst(12)) {
            status = 429
            retryAfter = String(seconds)
        }
        if model == "flaky", log.attempt("flaky:\(json["user"] as? String ?? "")") == 1 { status = 503 }
        guard let status else { return nil }
        let message = "stand-in failure \(status)"
        // Each API's own error shape.
        let body: [String: Any] =
            switch received.path {
            case "/v1/messages":
                [
                    "type": "error",
                    "error": ["type": status == 429 ? "rate_limit_error" : "api_error", "message": message],
                ]
            case "/v2/chat": ["id": "cohere-error", "message": message]
            default: ["error": ["message": message, "type": "stand_in_error", "code": String(status)]]
            }
        return Self.json(body, status: .init(code: status), headers: status == 429 ? [.retryAfter: retryAfter] : [:])
    }

    /// A server-sent-events answer: one write per event, `chunkDelay` apart when `delayed`.
    private func sse(_ events: [String], endless: Bool, delayed: Bool, breaks: Bool = false) -> Response {
        let delay = chunkDelay
        let log = log
        let record = record
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                do {
                    if endless {
                        try await writer.write(ByteBuffer(string: events[0]))
                        var index = 0
                        while true {
                            try await Task.sleep(for: .milliseconds(20))
                            let event =
                                "data: " + Self.text(Self.chunk("endless", delta: ["content": "tick \(index) "]))
                                + "\n\n"
                            try await writer.write(ByteBuffer(string: event))
                            log.wroteTick()
                            index += 1
                        }
                    }
                    for (index, event) in events.enumerated() {
                        if breaks && index == 1 { throw CancellationError() }
                        if delayed && index == 1 { try await log.waitForRelease() }
                        if delayed && index > 0 { try await Task.sleep(for: delay) }
                        if record { log.wroteChunk() }
                        try await writer.write(ByteBuffer(string: event))
                    }
                    try await writer.finish(nil)
                } catch {
                    log.abandoned()
                    throw error
                }
            })
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response
    {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text(object))))
    }

    static func text(_ object: [String: Any]) -> String {
        String(
            decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(),
            as: UTF8.self)
    }
}

/// Encoded non-streamed chat answers by model.
final class AnswerCache: Sendable {
    private let answers = Mutex<[String: ByteBuffer]>([:])

    func cached(_ model: String) -> ByteBuffer? { answers.withLock { $0[model] } }
    func store(_ model: String, _ body: ByteBuffer) { answers.withLock { $0[model] = body } }
}
