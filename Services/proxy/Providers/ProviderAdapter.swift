import Contracts
import Messaging
import NIOHTTP1

/// How the proxy speaks to one provider: the URL and headers of a call, where its usage is, how
/// it lists its models. One adapter per provider, one file each, chosen by ``ProviderID/adapter``;
/// the facts every part of the product shares (endpoints, hosts) are ``ProviderID/facts``.
protocol ProviderAdapter: Sendable {
    var provider: ProviderID { get }
    /// Where the provider's own API reports usage.
    var nativeFormat: UsageFormat { get }
    /// Accepts `stream_options.include_usage` (usage in the last chunk of an OpenAI-style stream).
    var acceptsStreamUsage: Bool { get }

    /// The request for a call to `path` (as the client named it) in the client's `api`.
    func request(
        path: String, api: ClientAPI, model: String?, credential: ReleasedCredential,
        clientHeaders: [String: String], policy: BaseURLPolicy
    ) throws(ServiceError) -> UpstreamRequest

    /// The usage format of an answer to `api` at `path` (default: the provider's own for its
    /// own API, else the client's API's).
    func format(for api: ClientAPI, path: String) -> UsageFormat

    /// How to learn the models a credential reaches (default: ask the provider's own
    /// `/v1/models`).
    func modelListing(credential: ReleasedCredential, policy: BaseURLPolicy) throws(ServiceError) -> ModelListing
}

/// An HTTP request to a provider, as an adapter builds it (the body is the call's payload).
struct UpstreamRequest: Sendable, Equatable {
    var url: String
    var headers: HTTPHeaders
}

/// Where a provider's models come from.
enum ModelListing: Sendable {
    /// Ask the provider: OpenAI's `{data: [{id, created, owned_by}]}`, Anthropic's
    /// `{data: [{id, created_at}]}`, Cohere's `{models: [{name}]}`.
    case ask(UpstreamRequest)
    /// The credential names them (an Azure deployment).
    case known([ModelList.Model])
}

extension ProviderID {
    /// The adapter that calls this provider.
    var adapter: any ProviderAdapter {
        switch self {
        case .anthropic: AnthropicAdapter()
        case .cohere: CohereAdapter()
        case .azureOpenAI: AzureOpenAIAdapter()
        case .gemini: GeminiAdapter()
        // Mistral reports usage in the last chunk unasked; unknown servers may reject the option.
        case .mistral, .openAICompatible: OpenAICompatibleAdapter(provider: self, acceptsStreamUsage: false)
        case .openAI, .groq, .openRouter, .together, .deepSeek, .ollama: OpenAICompatibleAdapter(provider: self)
        }
    }
}

extension ProviderAdapter {
    func modelListing(credential: ReleasedCredential, policy: BaseURLPolicy) throws(ServiceError) -> ModelListing {
        .ask(
            try request(
                path: "/v1/models", api: .raw, model: nil, credential: credential, clientHeaders: [:], policy: policy))
    }

    /// The OpenAI API's `/v1/models` under the provider's OpenAI-compatible root.
    func openAIModelListing(credential: ReleasedCredential, policy: BaseURLPolicy) throws(ServiceError)
        -> ModelListing
    {
        .ask(
            try request(
                path: "/v1/models", api: .openAI, model: nil, credential: credential, clientHeaders: [:],
                policy: policy))
    }

    func format(for api: ClientAPI, path: String) -> UsageFormat {
        let format: UsageFormat =
            switch api {
            case .raw: nativeFormat
            case .openAI: .openAI
            case .anthropic: .anthropic
            }
        guard format == .openAI else { return format }
        // The path before its query, compared as bytes (a split and a string suffix test took ~1 µs
        // of every call).
        let endpoint = path.utf8.prefix { $0 != UInt8(ascii: "?") }, responses = "/responses".utf8
        return endpoint.reversed().starts(with: responses.reversed()) ? .openAIResponses : .openAI
    }

    /// The API root: the credential's `meta.baseUrl` if the policy allows it (422 otherwise),
    /// else the provider's official one; `configured` tells which.
    func baseURL(_ credential: ReleasedCredential, policy: BaseURLPolicy) throws(ServiceError) -> (
        url: String, configured: Bool
    ) {
        if let configured = credential.meta["baseUrl"]?.stringValue {
            if let reason = policy.rejection(of: configured, for: provider) {
                throw ServiceError.unprocessable("the \(provider.service) credential's meta.baseUrl \(reason)")
            }
            var url = configured
            while url.hasSuffix("/") { url.removeLast() }
            return (url, true)
        }
        guard let url = provider.facts.defaultBaseURL else {
            throw ServiceError.unprocessable("the \(provider.service) credential has no meta.baseUrl")
        }
        return (url, false)
    }

    /// The headers every call sends (JSON in, JSON or events out).
    static var jsonHeaders: HTTPHeaders {
        ["content-type": "application/json", "accept": "application/json, text/event-stream"]
    }

    /// The credential's own `meta.headers`, which may not replace the authentication an adapter sets.
    func addCredentialHeaders(_ credential: ReleasedCredential, to headers: inout HTTPHeaders) {
        for (name, value) in credential.meta["headers"]?.objectValue ?? [:] {
            guard let value = value.stringValue, !protectedHeaders.contains(name.lowercased()) else { continue }
            headers.add(name: name, value: value)
        }
    }

    /// A request authenticated with a bearer key, to `path` under the base URL (an OpenAI-API
    /// path under the provider's OpenAI-compatible root `openAIPrefix`).
    func bearerRequest(
        path: String, api: ClientAPI, openAIPrefix: String, credential: ReleasedCredential, policy: BaseURLPolicy
    ) throws(ServiceError) -> UpstreamRequest {
        let base = try baseURL(credential, policy: policy)
        var headers = Self.jsonHeaders
        addBearerAuthentication(credential, to: &headers)
        addCredentialHeaders(credential, to: &headers)
        return UpstreamRequest(
            url: base.url + relativePath(path, api: api, openAIPrefix: openAIPrefix, base: base), headers: headers)
    }

    /// `Authorization: Bearer <key>` (none for a keyless local server), and OpenAI's organization
    /// and project headers when the credential names them.
    func addBearerAuthentication(_ credential: ReleasedCredential, to headers: inout HTTPHeaders) {
        if !credential.key.isEmpty { headers.add(name: "authorization", value: "Bearer \(credential.key)") }
        if let organization = credential.meta["organization"]?.stringValue {
            headers.add(name: "openai-organization", value: organization)
        }
        if let project = credential.meta["project"]?.stringValue { headers.add(name: "openai-project", value: project) }
    }

    /// A path of the OpenAI API (`/v1/...`, what `/v1/*` routes name) under the provider's
    /// OpenAI-compatible root `prefix`; a configured base URL that already ends in `/v1` takes
    /// the rest. Raw calls' paths are the provider's own and stay as they are.
    func relativePath(
        _ path: String, api: ClientAPI, openAIPrefix prefix: String, base: (url: String, configured: Bool)
    )
        -> String
    {
        guard api != .raw, path.hasPrefix("/v1/") else { return path }
        let relative = prefix + path.dropFirst(3)
        if base.configured, base.url.hasSuffix("/v1"), relative.hasPrefix("/v1/") {
            return String(relative.dropFirst(3))
        }
        return relative
    }
}

/// Credentials' headers may not replace the authentication the adapter sets.
private let protectedHeaders: Set<String> = ["authorization", "x-api-key", "api-key", "host", "content-length"]
