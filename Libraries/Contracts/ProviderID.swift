/// The AI providers the product knows, with each one's facts: its official endpoint and hosts,
/// its chat path, whether it needs a key or an endpoint of the credential's own. The vault checks
/// credentials against them; the proxy has one adapter per provider (Services/proxy/Providers).
/// Adding a provider is adding a case here and its adapter there.
public enum ProviderID: String, CaseIterable, Codable, Sendable {
    case openAI = "openai"
    case anthropic
    case cohere
    case mistral
    case groq
    case gemini
    case azureOpenAI = "azure-openai"
    case openRouter = "openrouter"
    case together
    case deepSeek = "deepseek"
    /// Runs on a host of your own: its address goes through PROXY_ALLOWED_BASE_URLS like any
    /// other that is not a provider's public endpoint (a default of 127.0.0.1 would reach the
    /// proxy's own loopback).
    case ollama
    case openAICompatible = "openai-compatible"

    /// What the product knows of one provider.
    public struct Facts: Sendable, Equatable {
        /// The official API root; a credential's `meta.baseUrl` replaces it.
        public let defaultBaseURL: String?
        /// Official hosts always allowed as a `meta.baseUrl` (besides `PROXY_ALLOWED_BASE_URLS`);
        /// a leading `*.` allows any subdomain (Azure's per-resource hosts).
        public let officialHosts: [String]
        /// The chat endpoint `POST /proxy/{service}` calls when no `path` is given.
        public let defaultPath: String
        /// False for providers that run locally without a key (ollama).
        public let requiresKey: Bool
        /// True when the credential must name its own endpoint (`meta.baseUrl`).
        public let requiresBaseURL: Bool

        init(
            _ defaultBaseURL: String?, hosts officialHosts: [String], path defaultPath: String = "/v1/chat/completions",
            requiresKey: Bool = true, requiresBaseURL: Bool = false
        ) {
            self.defaultBaseURL = defaultBaseURL
            self.officialHosts = officialHosts
            self.defaultPath = defaultPath
            self.requiresKey = requiresKey
            self.requiresBaseURL = requiresBaseURL
        }
    }

    public var facts: Facts {
        switch self {
        case .openAI: Facts("https://api.openai.com", hosts: ["api.openai.com"])
        case .anthropic: Facts("https://api.anthropic.com", hosts: ["api.anthropic.com"], path: "/v1/messages")
        case .cohere: Facts("https://api.cohere.com", hosts: ["api.cohere.com", "api.cohere.ai"], path: "/v2/chat")
        case .mistral: Facts("https://api.mistral.ai", hosts: ["api.mistral.ai"])
        case .groq: Facts("https://api.groq.com/openai", hosts: ["api.groq.com"])
        case .gemini:
            Facts(
                "https://generativelanguage.googleapis.com", hosts: ["generativelanguage.googleapis.com"],
                path: "/v1beta/openai/chat/completions")
        case .azureOpenAI:
            Facts(nil, hosts: ["*.openai.azure.com"], path: "/chat/completions", requiresBaseURL: true)
        case .openRouter: Facts("https://openrouter.ai/api", hosts: ["openrouter.ai"])
        case .together: Facts("https://api.together.xyz", hosts: ["api.together.xyz"])
        case .deepSeek: Facts("https://api.deepseek.com", hosts: ["api.deepseek.com"])
        case .ollama: Facts(nil, hosts: [], requiresKey: false, requiresBaseURL: true)
        case .openAICompatible: Facts(nil, hosts: [], requiresBaseURL: true)
        }
    }

    /// The provider a `service` name (`openai`, `azure-openai`, ...) names.
    public init?(service: some StringProtocol) {
        self.init(rawValue: String(service))
    }

    /// Its `service` name, as the API and the stored credentials spell it.
    public var service: String { rawValue }

    /// The known `service` names, in order, for error messages and the API's enumeration.
    public static let services = allCases.map(\.service)
}
