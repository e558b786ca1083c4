import Contracts
import Messaging
import Testing

@testable import Proxy

@Suite("Metering: usage read from every provider's answers")
struct MeteringTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("whole bodies: OpenAI (and Groq's x_groq), Anthropic with its cache fields, Cohere's billed units")
    func bodies() {
        #expect(
            UsageFormat.openAI.usage(
                fromBody: Self.bytes(
                    #"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":2}}}"#
                )) == TokenUsage(prompt: 12, completion: 5, cached: 2, total: 17))
        #expect(
            UsageFormat.openAI.usage(
                fromBody: Self.bytes(#"{"x_groq":{"usage":{"prompt_tokens":3,"completion_tokens":4}}}"#))
                == TokenUsage(prompt: 3, completion: 4))
        #expect(
            UsageFormat.anthropic.usage(
                fromBody: Self.bytes(
                    #"{"usage":{"input_tokens":21,"output_tokens":9,"cache_read_input_tokens":4,"cache_creation_input_tokens":1}}"#
                )) == TokenUsage(prompt: 26, completion: 9, cached: 4))
        #expect(
            UsageFormat.cohere.usage(
                fromBody: Self.bytes(
                    #"{"usage":{"billed_units":{"input_tokens":13,"output_tokens":6},"tokens":{"input_tokens":99}}}"#))
                == TokenUsage(prompt: 13, completion: 6))
        #expect(UsageFormat.openAI.usage(fromBody: Self.bytes(#"{"error":{"message":"no"}}"#)) == nil)
        #expect(UsageFormat.openAI.usage(fromBody: Self.bytes("not json")) == nil)
    }

    @Test("an OpenAI stream's usage chunk; held back from a client that did not ask for it")
    func openAIStream() {
        let stream =
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5}}\n\n" + "data: [DONE]\n\n"
        var asked = CallMeter(format: .openAI, hidesUsageChunk: false)
        #expect(asked.stream(Self.bytes(stream)) == nil, "forwarded as it came")
        #expect(asked.usage == TokenUsage(prompt: 12, completion: 5))

        var hidden = CallMeter(format: .openAI, hidesUsageChunk: true)
        // Split anywhere: events are put back together across chunks.
        let bytes = Self.bytes(stream)
        var forwarded: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: 7) {
            forwarded += hidden.stream(bytes[start..<min(start + 7, bytes.count)]) ?? []
        }
        forwarded += hidden.remainder
        #expect(
            String(decoding: forwarded, as: UTF8.self)
                == "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n")
        #expect(hidden.usage == TokenUsage(prompt: 12, completion: 5))
    }

    @Test("an Anthropic stream: input from message_start, the cumulative output from the last message_delta")
    func anthropicStream() {
        let stream =
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":21,\"cache_read_input_tokens\":4,\"output_tokens\":1}}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"Hi\"}}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":4}}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":9}}\n\n"
        var meter = CallMeter(format: .anthropic, hidesUsageChunk: false)
        _ = meter.stream(Self.bytes(stream))
        #expect(meter.usage == TokenUsage(prompt: 25, completion: 9, cached: 4))
    }

    @Test("a Cohere stream: usage in the message-end event")
    func cohereStream() {
        let stream =
            "event: content-delta\ndata: {\"type\":\"content-delta\",\"delta\":{\"message\":{\"content\":{\"text\":\"Hi\"}}}}\n\n"
            + "event: message-end\ndata: {\"type\":\"message-end\",\"delta\":{\"usage\":{\"billed_units\":{\"input_tokens\":13,\"output_tokens\":6}}}}\n\n"
        var meter = CallMeter(format: .cohere, hidesUsageChunk: false)
        _ = meter.stream(Self.bytes(stream))
        #expect(meter.usage == TokenUsage(prompt: 13, completion: 6))
        #expect(meter.dataBytes > 0)
    }
}

@Suite("A call's route and payload")
struct CallRouteTests {
    static func route(_ headers: ProxyCallHeaders, _ payload: String) throws -> (CallRoute, CallPayload) {
        let fields = try #require(JSONFields(Array(payload.utf8)))
        let route = try CallRoute(headers, payload: fields)
        return (route, CallPayload(fields, route: route, streamRequested: headers.stream))
    }

    static func text(_ payload: CallPayload) -> String { String(decoding: payload.bytes, as: UTF8.self) }

    @Test("a /v1 model names its provider as service/model; the provider gets the model alone")
    func serviceModel() throws {
        let (route, payload) = try Self.route(
            ProxyCallHeaders(api: .openAI, path: "/v1/chat/completions"), #"{"model":"groq/llama-3.1-8b","n":1}"#)
        #expect(route.provider == .groq && route.model == "llama-3.1-8b")
        #expect(Self.text(payload) == #"{"model":"llama-3.1-8b","n":1}"#)
        let (bare, untouched) = try Self.route(
            ProxyCallHeaders(api: .openAI, path: "/v1/chat/completions"), #"{"model":"org/fine-tune"}"#)
        #expect(bare.provider == .openAI && bare.model == "org/fine-tune", "an unknown prefix is part of the name")
        #expect(Self.text(untouched) == #"{"model":"org/fine-tune"}"#)
        let (messages, _) = try Self.route(
            ProxyCallHeaders(api: .anthropic, path: "/v1/messages"), #"{"model":"claude-x"}"#)
        #expect(messages.provider == .anthropic)
    }

    @Test("a raw stream route sets stream: true; an OpenAI-style stream asks for usage once, and hides it")
    func streaming() throws {
        let (raw, payload) = try Self.route(
            ProxyCallHeaders(api: .raw, service: .openAI, stream: true), #"{"model":"gpt-4o","stream":false}"#)
        #expect(raw.path == "/v1/chat/completions", "the provider's chat endpoint by default")
        #expect(payload.streaming && payload.hidesUsageChunk)
        #expect(Self.text(payload) == #"{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true}}"#)

        let (_, asked) = try Self.route(
            ProxyCallHeaders(api: .openAI, path: "/v1/chat/completions"),
            #"{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(asked.streaming && !asked.hidesUsageChunk, "the client asked for it: it is the client's")

        let (_, options) = try Self.route(
            ProxyCallHeaders(api: .openAI, path: "/v1/chat/completions"),
            #"{"model":"gpt-4o","stream":true,"stream_options":{"x":1}}"#)
        #expect(
            Self.text(options) == #"{"model":"gpt-4o","stream":true,"stream_options":{"x":1,"include_usage":true}}"#)

        let (_, mistral) = try Self.route(
            ProxyCallHeaders(api: .openAI, path: "/v1/chat/completions"), #"{"model":"mistral/m","stream":true}"#)
        #expect(!mistral.hidesUsageChunk && Self.text(mistral) == #"{"model":"m","stream":true}"#)

        let (_, anthropic) = try Self.route(
            ProxyCallHeaders(api: .anthropic, path: "/v1/messages"), #"{"model":"c","stream":true}"#)
        #expect(!anthropic.hidesUsageChunk && Self.text(anthropic) == #"{"model":"c","stream":true}"#)
    }

    @Test("chat in one API to a provider of another is translated; a provider's own API passes through")
    func translation() throws {
        let openAI = ProxyCallHeaders(api: .openAI, path: "/v1/chat/completions")
        let messages = ProxyCallHeaders(api: .anthropic, path: "/v1/messages")
        let (claude, _) = try Self.route(openAI, #"{"model":"anthropic/claude-x"}"#)
        #expect(claude.translator != nil && claude.upstreamAPI == .anthropic && claude.upstreamPath == "/v1/messages")
        #expect(claude.format == .anthropic && claude.path == "/v1/chat/completions")
        let (llama, _) = try Self.route(messages, #"{"model":"groq/llama"}"#)
        #expect(llama.translator != nil && llama.upstreamAPI == .openAI && llama.upstreamPath == "/v1/chat/completions")
        #expect(llama.format == .openAI && llama.path == "/v1/messages")
        for (headers, payload) in [
            (messages, #"{"model":"claude-x"}"#), (openAI, #"{"model":"gpt-4o"}"#),
            (ProxyCallHeaders(api: .openAI, path: "/v1/embeddings"), #"{"model":"cohere/embed"}"#),
            (ProxyCallHeaders(api: .raw, service: .anthropic), #"{"model":"claude-x"}"#),
        ] {
            let (route, _) = try Self.route(headers, payload)
            #expect(route.translator == nil && route.upstreamAPI == route.api && route.upstreamPath == route.path)
        }
    }

    @Test("mistakes found before anything is sent are 400s naming the problem")
    func refusals() {
        let control = #expect(throws: ServiceError.self) {
            try Self.route(ProxyCallHeaders(api: .openAI, path: "/v1/chat/completions"), #"{"model":"a\u0001b"}"#)
        }
        #expect(control?.code == .badRequest && control?.message.contains("`model`") == true)
        let path = #expect(throws: ServiceError.self) {
            try Self.route(ProxyCallHeaders(api: .raw, service: .openAI, path: "/v1/../admin"), #"{}"#)
        }
        #expect(path?.message.hasPrefix("`path`") == true)
        #expect(throws: ServiceError.badRequest("no service named")) {
            try Self.route(ProxyCallHeaders(api: .raw), #"{}"#)
        }
    }
}
