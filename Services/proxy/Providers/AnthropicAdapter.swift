import Contracts
import Messaging
import NIOHTTP1

/// Anthropic's Messages API: `x-api-key`, `anthropic-version` (the credential's, else the
/// client's, else 2023-06-01) and the client's `anthropic-beta`. Its OpenAI-compatible endpoint
/// lives under `/v1`.
struct AnthropicAdapter: ProviderAdapter {
    var provider: ProviderID { .anthropic }
    var nativeFormat: UsageFormat { .anthropic }
    var acceptsStreamUsage: Bool { true }

    static let defaultVersion = "2023-06-01"

    func request(
        path: String, api: ClientAPI, model: String?, credential: ReleasedCredential,
        clientHeaders: [String: String], policy: BaseURLPolicy
    ) throws(ServiceError) -> UpstreamRequest {
        let base = try baseURL(credential, policy: policy)
        var headers = Self.jsonHeaders
        headers.add(name: "x-api-key", value: credential.key)
        headers.add(
            name: "anthropic-version",
            value: credential.meta["apiVersion"]?.stringValue ?? clientHeaders["anthropic-version"]
                ?? Self.defaultVersion)
        if let beta = clientHeaders["anthropic-beta"] { headers.add(name: "anthropic-beta", value: beta) }
        addCredentialHeaders(credential, to: &headers)
        return UpstreamRequest(
            url: base.url + relativePath(path, api: api, openAIPrefix: "/v1", base: base), headers: headers)
    }
}
