/// Translates one call between a client's dialect and a provider's API: the request on the way
/// out, the answer (or error, or stream) on the way back.
public struct Translator: Sendable {
    public let client: any ClientDialect
    public let provider: any ProviderDialect

    public init(client: any ClientDialect, provider: any ProviderDialect) {
        self.client = client
        self.provider = provider
    }

    /// The client's request, read, and the provider's request body; `model` (when given) is the
    /// provider's name for the client's model (`claude-3-5-haiku-latest` for
    /// `anthropic/claude-3-5-haiku-latest`).
    public func request(_ body: [UInt8], model: String? = nil) throws(TranslationError) -> (
        request: ChatRequest, body: [UInt8]
    ) {
        let (request, provider) = try translate(body, model: model)
        return (request, provider.bytes)
    }

    /// ``request(_:model:)``, and the most output tokens the provider's request allows (its
    /// `max_tokens`, `max_completion_tokens` or `maxOutputTokens`, a default included).
    public func request(maxTokensOf body: [UInt8], model: String? = nil) throws(TranslationError) -> (
        request: ChatRequest, body: [UInt8], maxTokens: Int?
    ) {
        let (request, provider) = try translate(body, model: model)
        let maxTokens =
            provider["max_tokens"]?.int ?? provider["max_completion_tokens"]?.int
            ?? provider["generationConfig"]?["maxOutputTokens"]?.int
        return (request, provider.bytes, maxTokens)
    }

    private func translate(_ body: [UInt8], model: String?) throws(TranslationError) -> (ChatRequest, JSON) {
        var request = try client.decodeRequest(try JSON.object(parsing: body), target: provider.name)
        if let model { request.model = model }
        return (request, try provider.encodeRequest(request))
    }

    /// A complete answer in the client's dialect: a success translated, an error in the client's
    /// error shape with the provider's status. A success that cannot be read is a 502.
    public func answer(status: Int, body: [UInt8], for request: ChatRequest) -> (status: Int, body: [UInt8]) {
        guard (200..<300).contains(status) else {
            return (status, client.encodeFailure(provider.decodeFailure(status: status, body: body)).bytes)
        }
        guard let object = JSON.answer(body) else {
            let failure = ProviderFailure(status: 502, message: "the provider's answer is not JSON")
            return (502, client.encodeFailure(failure).bytes)
        }
        return (status, client.encodeResponse(provider.decodeResponse(object, for: request), for: request).bytes)
    }

    /// A translator for one streamed answer.
    public func stream(for request: ChatRequest, estimatedInputTokens: Int) -> StreamTranslator {
        StreamTranslator(
            decoder: provider.streamDecoder(for: request),
            encoder: client.streamEncoder(for: request, estimatedInputTokens: estimatedInputTokens))
    }
}

/// Translates a provider's stream as its bytes arrive: each complete event goes out translated
/// at once, nothing waits for the end.
public struct StreamTranslator: Sendable {
    private var events = ServerSentEvents()
    private var decoder: any ChatStreamDecoder
    private var encoder: any ChatStreamEncoder

    init(decoder: any ChatStreamDecoder, encoder: any ChatStreamEncoder) {
        self.decoder = decoder
        self.encoder = encoder
    }

    /// The client's bytes for what `chunk` completes (empty while an event is incomplete).
    public mutating func push(_ chunk: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        for event in events.push(chunk) {
            for step in decoder.decode(event) { out += encoder.encode(step) }
        }
        return out
    }

    /// The provider's stream ended: the client's last bytes (its stream closed properly even if
    /// the provider's was cut short of its final event).
    public mutating func finish() -> [UInt8] {
        var out: [UInt8] = []
        if let last = events.flush() {
            for step in decoder.decode(last) { out += encoder.encode(step) }
        }
        for step in decoder.finish() { out += encoder.encode(step) }
        return out
    }
}
