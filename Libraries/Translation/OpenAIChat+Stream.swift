import Foundation

// MARK: - Streams

extension OpenAIChat {
    public func streamDecoder(for request: ChatRequest) -> any ChatStreamDecoder {
        OpenAIChatStreamDecoder(model: request.model)
    }

    public func streamEncoder(for request: ChatRequest, estimatedInputTokens: Int) -> any ChatStreamEncoder {
        OpenAIChatStreamEncoder(includeUsage: request.includeUsage)
    }
}

/// Reads `chat.completion.chunk` events (and `[DONE]`).
struct OpenAIChatStreamDecoder: ChatStreamDecoder {
    let model: String
    private var started = false
    private var ended = false
    /// OpenAI's tool call indices seen, in the order they started.
    private var toolIndices: [Int] = []

    init(model: String) {
        self.model = model
    }

    mutating func decode(_ event: ServerSentEvent) -> [ChatStreamEvent] {
        guard !ended else { return [] }
        if event.data.elementsEqual("[DONE]".utf8) { return finish() }
        guard let chunk = JSON.answer(event.data) else { return [] }
        var events: [ChatStreamEvent] = []
        if let error = chunk["error"] {
            ended = true
            return [.failure(ProviderFailure(status: 500, message: error["message"]?.string ?? "the stream failed"))]
        }
        if !started {
            started = true
            events.append(.start(id: chunk["id"]?.string ?? "", model: chunk["model"]?.string ?? model, usage: nil))
        }
        let choice = chunk["choices"]?.array?.first
        if let delta = choice?["delta"] {
            if let reasoning = delta["reasoning_content"]?.string ?? delta["reasoning"]?.string, !reasoning.isEmpty {
                events.append(.reasoning(reasoning))
            }
            if let text = delta["content"]?.string, !text.isEmpty { events.append(.text(text)) }
            for call in delta["tool_calls"]?.array ?? [] {
                let openAIIndex = call["index"]?.int ?? toolIndices.last ?? 0
                var index = toolIndices.firstIndex(of: openAIIndex)
                if index == nil {
                    index = toolIndices.count
                    toolIndices.append(openAIIndex)
                    events.append(
                        .toolCallStart(
                            index: index!, id: call["id"]?.string ?? "call_\(index!)",
                            name: call["function"]?["name"]?.string ?? ""))
                }
                if let fragment = call["function"]?["arguments"]?.string, !fragment.isEmpty {
                    events.append(.toolArguments(index: index!, fragment: fragment))
                }
            }
        }
        if let reason = choice?["finish_reason"]?.string {
            events.append(.finish(OpenAIChat.finish(reason), stopSequence: nil))
        }
        if let usage = chunk["usage"].flatMap(OpenAIChat.usage) ?? chunk["x_groq"]?["usage"].flatMap(OpenAIChat.usage) {
            events.append(.usage(usage))
        }
        return events
    }

    mutating func finish() -> [ChatStreamEvent] {
        guard !ended else { return [] }
        ended = true
        return [.end]
    }
}

/// Writes `chat.completion.chunk` events, then `[DONE]`; the usage chunk only when the client
/// asked for it.
struct OpenAIChatStreamEncoder: ChatStreamEncoder {
    let includeUsage: Bool
    private var id = ""
    private var model = ""
    private let created = Int(Date().timeIntervalSince1970)
    private var started = false
    private var usage: ChatUsage?
    private var finished = false

    init(includeUsage: Bool) {
        self.includeUsage = includeUsage
    }

    mutating func encode(_ event: ChatStreamEvent) -> [UInt8] {
        var out: [UInt8] = []
        switch event {
        case .start(let id, let model, let usage):
            self.id = id
            self.model = model
            self.usage = usage
            started = true
            write(delta: ["role": "assistant", "content": ""], to: &out)
        case .text(let text):
            write(delta: ["content": .string(text)], to: &out)
        case .reasoning(let text):
            write(delta: ["reasoning_content": .string(text)], to: &out)
        case .toolCallStart(let index, let id, let name):
            write(
                delta: [
                    "tool_calls": [
                        [
                            "index": .int(index), "id": .string(id), "type": "function",
                            "function": ["name": .string(name), "arguments": ""],
                        ]
                    ]
                ], to: &out)
        case .toolArguments(let index, let fragment):
            write(
                delta: ["tool_calls": [["index": .int(index), "function": ["arguments": .string(fragment)]]]], to: &out)
        case .finish(let reason, _):
            finished = true
            write(delta: [:], finish: OpenAIChat.reason(reason), to: &out)
        case .usage(let usage):
            self.usage = usage
        case .failure(let failure):
            ServerSentEvent.write(data: OpenAIChat().encodeFailure(failure), to: &out)
        case .end:
            if !finished { write(delta: [:], finish: "stop", to: &out) }
            if includeUsage, let usage {
                ServerSentEvent.write(data: chunk(choices: [], usage: OpenAIChat.usage(usage)), to: &out)
            }
            out.append(contentsOf: "data: [DONE]\n\n".utf8)
        }
        return out
    }

    private mutating func write(delta: JSON, finish: String? = nil, to out: inout [UInt8]) {
        if !started {
            started = true
            write(delta: ["role": "assistant", "content": ""], to: &out)
        }
        let choice: JSON = [
            "index": 0, "delta": delta, "logprobs": .null, "finish_reason": finish.map(JSON.string) ?? .null,
        ]
        ServerSentEvent.write(data: chunk(choices: [choice], usage: nil), to: &out)
    }

    private func chunk(choices: [JSON], usage: JSON?) -> JSON {
        [
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(created), "model": .string(model),
            "choices": .array(choices), "usage": usage,
        ]
    }
}
