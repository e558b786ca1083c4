import Contracts
import Messaging
import Translation

/// Where a call goes: the provider and its adapter, the model, the credential, the endpoint.
///
/// A raw call (`/proxy/{service}`) names its provider; a `/v1/*` call names it in the model
/// (`groq/llama-3.1-8b-instant`; a bare model goes to OpenAI, or to Anthropic on `/v1/messages`).
struct CallRoute: Sendable {
    let api: ClientAPI
    let provider: ProviderID
    let adapter: any ProviderAdapter
    /// The model as the provider knows it (without the client's `service/` prefix).
    let model: String?
    /// The client named the model `service/model`: the payload's `model` loses the prefix.
    let renamesModel: Bool
    /// The model as the client named it (what a limit's route name is matched against).
    let requestedModel: String?
    /// The credential's name.
    let credential: String
    /// The provider endpoint, as the client named it (adapters map `/v1/*` onto the provider).
    let path: String
    /// When the client's API is not the provider's: how the call is translated (docs/translation.md),
    /// and the API and endpoint the provider is called with.
    let translator: Translator?
    let upstreamAPI: ClientAPI
    let upstreamPath: String
    /// The client headers the provider gets (`anthropic-version`, `anthropic-beta`).
    let clientHeaders: [String: String]

    /// `target`: one of a route's targets, which names the provider, model and credential in
    /// place of the client (whose model is the route's name).
    init(_ headers: ProxyCallHeaders, payload fields: JSONFields, target: Route.Target? = nil) throws(ServiceError) {
        api = headers.api
        credential = target?.credential ?? headers.credential
        clientHeaders = headers.clientHeaders
        var model = fields.string("model")
        requestedModel = model
        if let model, !UsageEvent.keeps(model: model) {
            throw ServiceError.badRequest(
                "`model` must be at most \(UsageEvent.modelLimit) bytes, without control characters")
        }
        var provider = headers.service
        var renamesModel = false
        if let target {
            provider = target.service
            model = target.model
            renamesModel = true
        } else if api != .raw {
            if let name = model, let slash = name.firstIndex(of: "/"), let named = ProviderID(service: name[..<slash]) {
                provider = named
                model = String(name[name.index(after: slash)...])
                renamesModel = true
            }
            provider = provider ?? (api == .anthropic ? .anthropic : .openAI)
        }
        guard let provider else { throw ServiceError.badRequest("no service named") }
        // A path the caller named is checked (the provider's own default needs no check).
        if let path = headers.path, let problem = URLPathRules.providerPathProblem(path) {
            throw ServiceError.badRequest("`path` \(problem)")
        }
        let path = headers.path ?? provider.facts.defaultPath
        self.provider = provider
        self.adapter = provider.adapter
        self.model = model
        self.renamesModel = renamesModel
        self.path = path
        (translator, upstreamAPI, upstreamPath) = try Self.translation(
            api: api, path: path, provider: provider, model: model, streaming: fields.bool("stream") == true)
        format = adapter.format(for: upstreamAPI, path: upstreamPath)
    }

    /// The usage format of the provider's answer.
    let format: UsageFormat

    /// Chat in one API to a provider that speaks another goes through a translator (the
    /// provider's own chat API); everything else passes through as the client sent it.
    private static func translation(
        api: ClientAPI, path: String, provider: ProviderID, model: String?, streaming: Bool
    ) throws(ServiceError) -> (Translator?, ClientAPI, String) {
        let client: (dialect: any ClientDialect, chat: ChatAPI)
        switch (api, path) {
        case (.openAI, "/v1/chat/completions"): client = (OpenAIChat(), .openAIChat)
        case (.openAI, "/v1/responses"): client = (OpenAIResponses(), .openAIResponses)
        case (.anthropic, _): client = (AnthropicMessages(), .anthropicMessages)
        default: return (nil, api, path)
        }
        let chat = ChatAPI(provider)
        // OpenAI and Azure OpenAI answer the Responses API themselves.
        let speaksResponses = [.openAI, .azureOpenAI].contains(provider)
        guard chat != client.chat, !(client.chat == .openAIResponses && speaksResponses) else {
            return (nil, api, path)
        }
        switch chat {
        case .anthropicMessages:
            return (Translator(client: client.dialect, provider: AnthropicMessages()), .anthropic, "/v1/messages")
        case .gemini:
            guard let model, URLPathRules.isPlainSegment(model) else {
                throw ServiceError.badRequest(
                    "a gemini `model` must be 1 to 128 letters, digits, `.`, `_` or `-` (it is a path segment)")
            }
            return (
                Translator(client: client.dialect, provider: GeminiGenerateContent()), .raw,
                GeminiGenerateContent.path(model: model, streaming: streaming)
            )
        case .cohere:
            return (Translator(client: client.dialect, provider: CohereChat()), .raw, "/v2/chat")
        case .openAIChat, .openAIResponses:
            let openAI = OpenAIChat(
                maxTokensField: [.openAI, .azureOpenAI].contains(provider) ? "max_completion_tokens" : "max_tokens",
                streamUsage: provider.adapter.acceptsStreamUsage)
            return (Translator(client: client.dialect, provider: openAI), .openAI, "/v1/chat/completions")
        }
    }

    /// The chat APIs translated between: the client's, and each provider's own.
    private enum ChatAPI {
        case openAIChat, openAIResponses, anthropicMessages, gemini, cohere

        init(_ provider: ProviderID) {
            switch provider {
            case .anthropic: self = .anthropicMessages
            case .gemini: self = .gemini
            case .cohere: self = .cohere
            case .openAI, .azureOpenAI, .mistral, .groq, .openRouter, .together, .deepSeek, .ollama, .openAICompatible:
                self = .openAIChat
            }
        }
    }
}
