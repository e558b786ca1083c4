/// How clients of one API ask and expect their answers (OpenAI Chat Completions, Anthropic
/// Messages): its requests read into a ``ChatRequest``, answers written from a ``ChatResponse``.
public protocol ClientDialect: Sendable {
    /// Reads a client's request; refuses, naming the field, what `target` cannot express.
    func decodeRequest(_ body: JSONObject, target: String) throws(TranslationError) -> ChatRequest
    func encodeResponse(_ response: ChatResponse, for request: ChatRequest) -> JSON
    /// A provider's error as this API reports errors.
    func encodeFailure(_ failure: ProviderFailure) -> JSON
    /// `estimatedInputTokens` stands in for input usage a stream must report before the provider
    /// has said it (Anthropic's `message_start`).
    func streamEncoder(for request: ChatRequest, estimatedInputTokens: Int) -> any ChatStreamEncoder
}

/// How one provider API is called: its requests written from a ``ChatRequest``, its answers,
/// streams and errors read back.
public protocol ProviderDialect: Sendable {
    /// Its name in error messages (`Anthropic Messages`).
    var name: String { get }
    /// The provider's request; refuses, naming the field, what its API cannot express.
    func encodeRequest(_ request: ChatRequest) throws(TranslationError) -> JSON
    func decodeResponse(_ body: JSONObject, for request: ChatRequest) -> ChatResponse
    func decodeFailure(status: Int, body: [UInt8]) -> ProviderFailure
    func streamDecoder(for request: ChatRequest) -> any ChatStreamDecoder
}

/// Reads a provider's stream, event by event.
public protocol ChatStreamDecoder: Sendable {
    mutating func decode(_ event: ServerSentEvent) -> [ChatStreamEvent]
    /// The provider's stream ended: what is still owed (``ChatStreamEvent/end`` if it never said so).
    mutating func finish() -> [ChatStreamEvent]
}

/// Writes a client's stream, event by event.
public protocol ChatStreamEncoder: Sendable {
    mutating func encode(_ event: ChatStreamEvent) -> [UInt8]
}

extension ProviderFailure {
    /// The message of an error body that no dialect's shape matched.
    static func unreadable(status: Int, body: [UInt8]) -> ProviderFailure {
        let text = String(decoding: body.prefix(512), as: UTF8.self)
        return ProviderFailure(status: status, message: text.isEmpty ? "the provider answered \(status)" : text)
    }
}
