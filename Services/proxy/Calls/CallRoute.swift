import Contracts
import Messaging

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
    /// The client headers the provider gets (`anthropic-version`, `anthropic-beta`).
    let clientHeaders: [String: String]

    init(_ headers: ProxyCallHeaders, payload fields: JSONFields) throws(ServiceError) {
        api = headers.api
        credential = headers.credential
        clientHeaders = headers.clientHeaders
        var model = fields.string("model")
        requestedModel = model
        if let model,
            model.utf8.count > UsageEvent.modelLimit
                || model.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        {
            // No model is named so; the usage report would show it cut and without its NUL characters.
            throw ServiceError.badRequest(
                "`model` must be at most \(UsageEvent.modelLimit) bytes, without control characters")
        }
        var provider = headers.service
        var renamesModel = false
        if api != .raw {
            if let name = model, let slash = name.firstIndex(of: "/"), let named = ProviderID(service: name[..<slash]) {
                provider = named
                model = String(name[name.index(after: slash)...])
                renamesModel = true
            }
            provider = provider ?? (api == .anthropic ? .anthropic : .openAI)
        }
        guard let provider else { throw ServiceError.badRequest("no service named") }
        if api == .anthropic && provider != .anthropic {
            throw ServiceError.badRequest("the Anthropic API (/v1/messages) reaches only the anthropic service")
        }
        let path = headers.path ?? provider.facts.defaultPath
        if let problem = URLPathRules.providerPathProblem(path) { throw ServiceError.badRequest("`path` \(problem)") }
        self.provider = provider
        self.adapter = provider.adapter
        self.model = model
        self.renamesModel = renamesModel
        self.path = path
    }

    /// The usage format of the provider's answer.
    var format: UsageFormat { adapter.format(for: api) }
}
