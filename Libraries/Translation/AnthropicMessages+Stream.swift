// MARK: - Streams

extension AnthropicMessages {
    public func streamDecoder(for request: ChatRequest) -> any ChatStreamDecoder {
        AnthropicStreamDecoder(model: request.model, jsonMode: Self.answersThroughTool(request))
    }

    public func streamEncoder(for request: ChatRequest, estimatedInputTokens: Int) -> any ChatStreamEncoder {
        AnthropicStreamEncoder(estimatedInputTokens: estimatedInputTokens)
    }
}

/// Reads Anthropic's events: `message_start`, content blocks, `message_delta`, `message_stop`.
struct AnthropicStreamDecoder: ChatStreamDecoder {
    enum Block {
        case text, reasoning, ignored
        case tool(Int)
        /// The forced JSON-output tool: its input is the answer's text.
        case jsonAnswer
    }

    let model: String
    let jsonMode: Bool
    private var blocks: [Int: Block] = [:]
    private var tools = 0
    private var usage: ChatUsage?
    private var ended = false

    init(model: String, jsonMode: Bool) {
        self.model = model
        self.jsonMode = jsonMode
    }

    mutating func decode(_ event: ServerSentEvent) -> [ChatStreamEvent] {
        guard !ended, let data = JSON.answer(event.data) else { return [] }
        switch event.name ?? data["type"]?.string {
        case "message_start":
            let message = data["message"]
            usage = message?["usage"].flatMap(AnthropicMessages.usage)
            return [.start(id: message?["id"]?.string ?? "", model: message?["model"]?.string ?? model, usage: usage)]
        case "content_block_start":
            let index = data["index"]?.int ?? 0
            let block = data["content_block"]
            switch block?["type"]?.string {
            case "text":
                blocks[index] = .text
                if let text = block?["text"]?.string, !text.isEmpty { return [.text(text)] }
            case "thinking":
                blocks[index] = .reasoning
            case "tool_use" where jsonMode && block?["name"]?.string == AnthropicMessages.jsonTool:
                blocks[index] = .jsonAnswer
            case "tool_use":
                blocks[index] = .tool(tools)
                tools += 1
                return [
                    .toolCallStart(index: tools - 1, id: block?["id"]?.string ?? "", name: block?["name"]?.string ?? "")
                ]
            default:
                blocks[index] = .ignored
            }
            return []
        case "content_block_delta":
            let delta = data["delta"]
            switch (blocks[data["index"]?.int ?? 0], delta?["type"]?.string) {
            case (.text?, "text_delta"): return delta?["text"]?.string.map { [.text($0)] } ?? []
            case (.reasoning?, "thinking_delta"): return delta?["thinking"]?.string.map { [.reasoning($0)] } ?? []
            case (.tool(let tool)?, "input_json_delta"):
                guard let fragment = delta?["partial_json"]?.string, !fragment.isEmpty else { return [] }
                return [.toolArguments(index: tool, fragment: fragment)]
            case (.jsonAnswer?, "input_json_delta"):
                guard let fragment = delta?["partial_json"]?.string, !fragment.isEmpty else { return [] }
                return [.text(fragment)]
            default: return []
            }
        case "message_delta":
            var events: [ChatStreamEvent] = []
            if let reason = data["delta"]?["stop_reason"]?.string {
                var finish = AnthropicMessages.finish(reason)
                if jsonMode, finish == .toolUse { finish = .endTurn }
                events.append(.finish(finish, stopSequence: data["delta"]?["stop_sequence"]?.string))
            }
            if let delta = data["usage"] {
                var total = usage ?? ChatUsage(input: 0, output: 0)
                if let output = delta["output_tokens"]?.int { total.output = output }
                if delta["input_tokens"] != nil, let input = AnthropicMessages.usage(delta) {
                    total.input = input.input
                    total.cacheRead = input.cacheRead
                    total.cacheCreation = input.cacheCreation
                }
                usage = total
                events.append(.usage(total))
            }
            return events
        case "message_stop":
            return finish()
        case "error":
            ended = true
            let error = data["error"]
            let kind: ProviderFailure.Kind =
                switch error?["type"]?.string {
                case "overloaded_error": .overloaded
                case "rate_limit_error": .rateLimited
                default: .server
                }
            return [
                .failure(
                    ProviderFailure(status: 500, kind: kind, message: error?["message"]?.string ?? "the stream failed"))
            ]
        default:
            return []
        }
    }

    mutating func finish() -> [ChatStreamEvent] {
        guard !ended else { return [] }
        ended = true
        return [.end]
    }
}

/// Writes Anthropic's events. `message_start` carries the input usage: the provider's when it
/// said it at the start, else an estimate (never 0, which breaks clients such as Claude Code);
/// the final `message_delta` carries the real counts.
struct AnthropicStreamEncoder: ChatStreamEncoder {
    enum Open: Equatable {
        case text, reasoning
        case tool(Int)
    }

    let estimatedInputTokens: Int
    private var started = false
    private var open: (block: Int, kind: Open)?
    private var nextBlock = 0
    private var finish: (reason: FinishReason, stopSequence: String?)?
    private var usage: ChatUsage?
    private var ended = false

    init(estimatedInputTokens: Int) {
        self.estimatedInputTokens = max(1, estimatedInputTokens)
    }

    mutating func encode(_ event: ChatStreamEvent) -> [UInt8] {
        guard !ended else { return [] }
        var out: [UInt8] = []
        switch event {
        case .start(let id, let model, let usage):
            self.usage = usage
            start(id: id, model: model, to: &out)
        case .text(let text):
            ensure(.text, to: &out)
            delta(["type": "text_delta", "text": .string(text)], to: &out)
        case .reasoning(let text):
            ensure(.reasoning, to: &out)
            delta(["type": "thinking_delta", "thinking": .string(text)], to: &out)
        case .toolCallStart(let index, let id, let name):
            begin(
                .tool(index), ["type": "tool_use", "id": .string(id), "name": .string(name), "input": [:]], to: &out)
        case .toolArguments(let index, let fragment):
            // Providers stream one tool call's arguments before the next call starts.
            guard open?.kind == .tool(index) else { return out }
            delta(["type": "input_json_delta", "partial_json": .string(fragment)], to: &out)
        case .finish(let reason, let stopSequence):
            finish = (reason, stopSequence)
        case .usage(let usage):
            self.usage = usage
        case .failure(let failure):
            ensureStarted(to: &out)
            ended = true
            write("error", AnthropicMessages().encodeFailure(failure), to: &out)
        case .end:
            ensureStarted(to: &out)
            close(to: &out)
            ended = true
            let usage = AnthropicMessages.usage(self.usage ?? ChatUsage(input: estimatedInputTokens, output: 0))
            write(
                "message_delta",
                [
                    "type": "message_delta",
                    "delta": [
                        "stop_reason": .string(AnthropicMessages.reason(finish?.reason ?? .endTurn)),
                        "stop_sequence": finish?.stopSequence.map(JSON.string) ?? .null,
                    ],
                    "usage": usage,
                ], to: &out)
            write("message_stop", ["type": "message_stop"], to: &out)
        }
        return out
    }

    private mutating func start(id: String, model: String, to out: inout [UInt8]) {
        guard !started else { return }
        started = true
        var usage = self.usage ?? ChatUsage(input: estimatedInputTokens, output: 0)
        usage.output = max(usage.output, 1)
        write(
            "message_start",
            [
                "type": "message_start",
                "message": [
                    "id": .string(id), "type": "message", "role": "assistant", "model": .string(model), "content": [],
                    "stop_reason": .null, "stop_sequence": .null, "usage": AnthropicMessages.usage(usage),
                ],
            ], to: &out)
    }

    private mutating func ensureStarted(to out: inout [UInt8]) {
        if !started { start(id: "", model: "", to: &out) }
    }

    /// Opens a text or thinking block unless one of `kind` is open.
    private mutating func ensure(_ kind: Open, to out: inout [UInt8]) {
        if started, open?.kind == kind { return }
        begin(kind, kind == .text ? ["type": "text", "text": ""] : ["type": "thinking", "thinking": ""], to: &out)
    }

    /// Closes the open block and starts the next one, `block` as `content_block_start` shows it.
    private mutating func begin(_ kind: Open, _ block: JSON, to out: inout [UInt8]) {
        ensureStarted(to: &out)
        close(to: &out)
        open = (nextBlock, kind)
        nextBlock += 1
        write(
            "content_block_start", ["type": "content_block_start", "index": .int(open!.block), "content_block": block],
            to: &out)
    }

    /// A `content_block_delta` of the open block.
    private func delta(_ delta: JSON, to out: inout [UInt8]) {
        guard let open else { return }
        write(
            "content_block_delta", ["type": "content_block_delta", "index": .int(open.block), "delta": delta], to: &out)
    }

    private mutating func close(to out: inout [UInt8]) {
        guard let open else { return }
        if open.kind == .reasoning {
            // Anthropic's SDKs expect a signature to end a thinking block; a translated one has none.
            delta(["type": "signature_delta", "signature": ""], to: &out)
        }
        write("content_block_stop", ["type": "content_block_stop", "index": .int(open.block)], to: &out)
        self.open = nil
    }

    private func write(_ name: String, _ data: JSON, to out: inout [UInt8]) {
        ServerSentEvent.write(name: name, data: data, to: &out)
    }
}
