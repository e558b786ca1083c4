import Contracts
import Foundation
import Messaging

/// Which API the client spoke to the gateway.
enum ClientAPI: String, Sendable {
    /// `POST /proxy/{service}`: the provider's own API, any endpoint.
    case raw
    /// `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`: OpenAI's API, any provider.
    case openAI = "openai"
    /// `/v1/messages`: Anthropic's API.
    case anthropic
}

/// Where and how to call one provider: its URL, its authentication headers, where its usage is.
struct ProviderAdapter: Sendable {
    let provider: Provider
    /// The path of the provider's OpenAI-compatible API under its base URL (`/v1` mostly).
    let openAIPrefix: String
    /// Accepts `stream_options.include_usage` (usage in the last chunk of an OpenAI-style stream).
    let acceptsStreamUsage: Bool
    let nativeFormat: UsageFormat

    static func named(_ service: String) -> ProviderAdapter? {
        guard let provider = Provider.named(service) else { return nil }
        switch service {
        case "anthropic":
            return ProviderAdapter(
                provider: provider, openAIPrefix: "/v1", acceptsStreamUsage: true, nativeFormat: .anthropic)
        case "cohere":
            return ProviderAdapter(
                provider: provider, openAIPrefix: "/compatibility/v1", acceptsStreamUsage: false, nativeFormat: .cohere)
        case "gemini":
            return ProviderAdapter(
                provider: provider, openAIPrefix: "", acceptsStreamUsage: true, nativeFormat: .openAI)
        case "mistral", "openai-compatible":
            // Mistral reports usage in the last chunk unasked; unknown servers may reject the option.
            return ProviderAdapter(
                provider: provider, openAIPrefix: "/v1", acceptsStreamUsage: false, nativeFormat: .openAI)
        default:
            return ProviderAdapter(
                provider: provider, openAIPrefix: "/v1", acceptsStreamUsage: true, nativeFormat: .openAI)
        }
    }

    /// The usage format of an answer to `api`.
    func format(for api: ClientAPI) -> UsageFormat {
        switch api {
        case .raw: nativeFormat
        case .openAI: .openAI
        case .anthropic: .anthropic
        }
    }

    /// The upstream URL and headers for `path` (as the client named it) with `credential`.
    func target(
        path: String, api: ClientAPI, model: String?, credential: ReleasedCredential, clientHeaders: [(String, String)],
        policy: BaseURLPolicy
    ) throws -> (url: String, headers: [(String, String)]) {
        let meta = credential.meta
        let base: String
        if let configured = meta["baseUrl"]?.stringValue {
            if let reason = policy.rejection(of: configured, for: provider) {
                throw ServiceError.unprocessable("the \(provider.service) credential's meta.baseUrl \(reason)")
            }
            base = Self.trimmed(configured)
        } else if let defaultBase = provider.defaultBaseURL {
            base = defaultBase
        } else {
            throw ServiceError.unprocessable("the \(provider.service) credential has no meta.baseUrl")
        }

        // An OpenAI-API path (`/v1/...`) maps onto the provider's OpenAI-compatible root.
        var relative = path
        if api != .raw, path.hasPrefix("/v1/") { relative = openAIPrefix + path.dropFirst(3) }
        if meta["baseUrl"] != nil, api != .raw, base.hasSuffix("/v1"), relative.hasPrefix("/v1/") {
            relative = String(relative.dropFirst(3))
        }

        var url = base + relative
        var headers: [(String, String)] = [
            ("content-type", "application/json"), ("accept", "application/json, text/event-stream"),
        ]
        let key = credential.key
        switch provider.service {
        case "anthropic":
            headers.append(("x-api-key", key))
            let version =
                meta["apiVersion"]?.stringValue
                ?? clientHeaders.first { $0.0.lowercased() == "anthropic-version" }?.1 ?? "2023-06-01"
            headers.append(("anthropic-version", version))
            if let beta = clientHeaders.first(where: { $0.0.lowercased() == "anthropic-beta" }) {
                headers.append(("anthropic-beta", beta.1))
            }
        case "azure-openai":
            guard let deployment = meta["deployment"]?.stringValue ?? model else {
                throw ServiceError.badRequest("azure-openai needs a deployment: set meta.deployment or send a model")
            }
            // The deployment (often the client's model) becomes a path segment: nothing but a name.
            guard URLPathRules.isPlainSegment(deployment) else {
                throw ServiceError.badRequest(
                    "the azure-openai deployment (`model`, or meta.deployment) must be 1 to 128 letters, digits, `.`, `_` or `-`"
                )
            }
            let version = meta["apiVersion"]?.stringValue ?? "2024-10-21"
            guard URLPathRules.isPlainSegment(version) else {
                throw ServiceError.unprocessable("the credential's meta.apiVersion is not a plain version name")
            }
            let endpoint = relative.hasPrefix("/v1/") ? String(relative.dropFirst(3)) : relative
            url = base + "/openai/deployments/" + deployment + endpoint + "?api-version=" + version
            headers.append(("api-key", key))
        default:
            if !key.isEmpty { headers.append(("authorization", "Bearer \(key)")) }
            if let organization = meta["organization"]?.stringValue {
                headers.append(("openai-organization", organization))
            }
            if let project = meta["project"]?.stringValue { headers.append(("openai-project", project)) }
        }
        for (name, value) in meta["headers"]?.objectValue ?? [:] {
            guard let value = value.stringValue, !Self.protectedHeaders.contains(name.lowercased()) else { continue }
            headers.append((name, value))
        }
        return (url, headers)
    }

    /// The URL that lists the provider's models.
    func modelsTarget(credential: ReleasedCredential, policy: BaseURLPolicy) throws -> (
        url: String, headers: [(String, String)]
    ) {
        switch provider.service {
        case "cohere":
            try target(
                path: "/v1/models", api: .raw, model: nil, credential: credential, clientHeaders: [], policy: policy)
        case "anthropic":
            try target(
                path: "/v1/models", api: .raw, model: nil, credential: credential, clientHeaders: [], policy: policy)
        default:
            try target(
                path: "/v1/models", api: .openAI, model: nil, credential: credential, clientHeaders: [], policy: policy)
        }
    }

    /// Credentials' headers may not replace the authentication the adapter sets.
    private static let protectedHeaders: Set<String> = [
        "authorization", "x-api-key", "api-key", "host", "content-length",
    ]

    private static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
