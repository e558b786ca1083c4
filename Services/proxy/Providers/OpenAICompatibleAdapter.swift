import Contracts
import Messaging
import NIOHTTP1

/// OpenAI, and every provider that speaks its API with a bearer key: Groq, Mistral, Gemini's
/// OpenAI endpoint, OpenRouter, Together, DeepSeek, Ollama and any OpenAI-compatible server.
struct OpenAICompatibleAdapter: ProviderAdapter {
    let provider: ProviderID
    /// Where the OpenAI API's `/v1` lives under the base URL (`/v1`; Gemini's base is the root).
    var openAIPrefix = "/v1"
    var acceptsStreamUsage = true
    var nativeFormat: UsageFormat { .openAI }

    func request(
        path: String, api: ClientAPI, model: String?, credential: ReleasedCredential,
        clientHeaders: [String: String], policy: BaseURLPolicy
    ) throws(ServiceError) -> UpstreamRequest {
        try bearerRequest(path: path, api: api, openAIPrefix: openAIPrefix, credential: credential, policy: policy)
    }

    /// The OpenAI API's `/v1/models` under the provider's OpenAI-compatible root.
    func modelListing(credential: ReleasedCredential, policy: BaseURLPolicy) throws(ServiceError) -> ModelListing {
        try openAIModelListing(credential: credential, policy: policy)
    }
}
