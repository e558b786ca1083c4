import Contracts
import Messaging
import NIOHTTP1

/// Cohere: its v2 chat API with a bearer key; its OpenAI-compatible API under `/compatibility/v1`
/// (which refuses `stream_options`); usage in `billed_units`.
struct CohereAdapter: ProviderAdapter {
    var provider: ProviderID { .cohere }
    var nativeFormat: UsageFormat { .cohere }
    var acceptsStreamUsage: Bool { false }

    func request(
        path: String, api: ClientAPI, model: String?, credential: ReleasedCredential,
        clientHeaders: [String: String], policy: BaseURLPolicy
    ) throws(ServiceError) -> UpstreamRequest {
        try bearerRequest(
            path: path, api: api, openAIPrefix: "/compatibility/v1", credential: credential, policy: policy)
    }
}
