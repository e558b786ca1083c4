import Contracts
import Messaging
import NIOHTTP1

/// Azure OpenAI: the resource's own endpoint (`meta.baseUrl`), the deployment as a path segment
/// (`meta.deployment`, else the client's model), `?api-version=` (`meta.apiVersion`, default
/// 2024-10-21) and the `api-key` header.
struct AzureOpenAIAdapter: ProviderAdapter {
    var provider: ProviderID { .azureOpenAI }
    var nativeFormat: UsageFormat { .openAI }
    var acceptsStreamUsage: Bool { true }

    static let defaultVersion = "2024-10-21"

    func request(
        path: String, api: ClientAPI, model: String?, credential: ReleasedCredential,
        clientHeaders: [String: String], policy: BaseURLPolicy
    ) throws(ServiceError) -> UpstreamRequest {
        let base = try baseURL(credential, policy: policy)
        guard let deployment = credential.meta["deployment"]?.stringValue ?? model else {
            throw ServiceError.badRequest("azure-openai needs a deployment: set meta.deployment or send a model")
        }
        // The deployment (often the client's model) becomes a path segment: nothing but a name.
        guard URLPathRules.isPlainSegment(deployment) else {
            throw ServiceError.badRequest(
                "the azure-openai deployment (`model`, or meta.deployment) must be 1 to 128 letters, digits, `.`, `_` or `-`"
            )
        }
        let version = credential.meta["apiVersion"]?.stringValue ?? Self.defaultVersion
        guard URLPathRules.isPlainSegment(version) else {
            throw ServiceError.unprocessable("the credential's meta.apiVersion is not a plain version name")
        }
        let relative = relativePath(path, api: api, openAIPrefix: "/v1", base: base)
        let endpoint = relative.hasPrefix("/v1/") ? String(relative.dropFirst(3)) : relative
        var headers = Self.jsonHeaders
        headers.add(name: "api-key", value: credential.key)
        addCredentialHeaders(credential, to: &headers)
        return UpstreamRequest(
            url: base.url + "/openai/deployments/" + deployment + endpoint + "?api-version=" + version,
            headers: headers)
    }

    /// The credential's deployment is the one model it reaches.
    func modelListing(credential: ReleasedCredential, policy: BaseURLPolicy) throws(ServiceError) -> ModelListing {
        .known(
            credential.meta["deployment"]?.stringValue.map {
                [ModelList.Model(id: "\(provider.service)/\($0)", created: 0, ownedBy: provider.service)]
            } ?? [])
    }
}
