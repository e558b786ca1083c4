import Contracts
import Messaging
import NIOHTTP1

/// Google's Gemini API: its own API (`/v1beta/models/{model}:generateContent`) with
/// `x-goog-api-key`, and its OpenAI-compatible API under `/v1beta/openai` with a bearer key.
struct GeminiAdapter: ProviderAdapter {
    var provider: ProviderID { .gemini }
    var nativeFormat: UsageFormat { .gemini }
    var acceptsStreamUsage: Bool { true }

    static let openAIPrefix = "/v1beta/openai"

    func request(
        path: String, api: ClientAPI, model: String?, credential: ReleasedCredential,
        clientHeaders: [String: String], policy: BaseURLPolicy
    ) throws(ServiceError) -> UpstreamRequest {
        guard api == .raw, !Self.isOpenAI(path) else {
            return try bearerRequest(
                path: path, api: api, openAIPrefix: Self.openAIPrefix, credential: credential, policy: policy)
        }
        let base = try baseURL(credential, policy: policy)
        var headers = Self.jsonHeaders
        headers.add(name: "x-goog-api-key", value: credential.key)
        addCredentialHeaders(credential, to: &headers)
        return UpstreamRequest(url: base.url + path, headers: headers)
    }

    /// Gemini's answers carry `usageMetadata`, its OpenAI-compatible ones OpenAI's `usage`.
    func format(for api: ClientAPI, path: String) -> UsageFormat {
        api == .raw && !Self.isOpenAI(path) ? .gemini : .openAI
    }

    private static func isOpenAI(_ path: String) -> Bool { path.hasPrefix(openAIPrefix + "/") }

    /// The OpenAI API's `/v1/models` under the OpenAI-compatible root.
    func modelListing(credential: ReleasedCredential, policy: BaseURLPolicy) throws(ServiceError) -> ModelListing {
        try openAIModelListing(credential: credential, policy: policy)
    }
}
