/// The AI providers the product knows: their names, official endpoints and defaults.
/// The vault validates credentials against it; the proxy's adapters call what it names.
public struct Provider: Sendable, Equatable {
    public let service: String
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

    public static let all: [Provider] = [
        Provider(
            service: "openai", defaultBaseURL: "https://api.openai.com", officialHosts: ["api.openai.com"],
            defaultPath: "/v1/chat/completions"),
        Provider(
            service: "anthropic", defaultBaseURL: "https://api.anthropic.com", officialHosts: ["api.anthropic.com"],
            defaultPath: "/v1/messages"),
        Provider(
            service: "cohere", defaultBaseURL: "https://api.cohere.com",
            officialHosts: ["api.cohere.com", "api.cohere.ai"],
            defaultPath: "/v2/chat"),
        Provider(
            service: "mistral", defaultBaseURL: "https://api.mistral.ai", officialHosts: ["api.mistral.ai"],
            defaultPath: "/v1/chat/completions"),
        Provider(
            service: "groq", defaultBaseURL: "https://api.groq.com/openai", officialHosts: ["api.groq.com"],
            defaultPath: "/v1/chat/completions"),
        Provider(
            service: "gemini", defaultBaseURL: "https://generativelanguage.googleapis.com/v1beta/openai",
            officialHosts: ["generativelanguage.googleapis.com"], defaultPath: "/chat/completions"),
        Provider(
            service: "azure-openai", defaultBaseURL: nil, officialHosts: ["*.openai.azure.com"],
            defaultPath: "/chat/completions", requiresBaseURL: true),
        Provider(
            service: "openrouter", defaultBaseURL: "https://openrouter.ai/api", officialHosts: ["openrouter.ai"],
            defaultPath: "/v1/chat/completions"),
        Provider(
            service: "together", defaultBaseURL: "https://api.together.xyz", officialHosts: ["api.together.xyz"],
            defaultPath: "/v1/chat/completions"),
        Provider(
            service: "deepseek", defaultBaseURL: "https://api.deepseek.com", officialHosts: ["api.deepseek.com"],
            defaultPath: "/v1/chat/completions"),
        // Runs on a host of your own: its address goes through PROXY_ALLOWED_BASE_URLS like any
        // other that is not a provider's public endpoint (a default of 127.0.0.1 would reach the
        // proxy's own loopback).
        Provider(
            service: "ollama", defaultBaseURL: nil, officialHosts: [], defaultPath: "/v1/chat/completions",
            requiresKey: false, requiresBaseURL: true),
        Provider(
            service: "openai-compatible", defaultBaseURL: nil, officialHosts: [], defaultPath: "/v1/chat/completions",
            requiresBaseURL: true),
    ]

    public static func named(_ service: String) -> Provider? {
        all.first { $0.service == service }
    }

    init(
        service: String, defaultBaseURL: String?, officialHosts: [String], defaultPath: String,
        requiresKey: Bool = true, requiresBaseURL: Bool = false
    ) {
        self.service = service
        self.defaultBaseURL = defaultBaseURL
        self.officialHosts = officialHosts
        self.defaultPath = defaultPath
        self.requiresKey = requiresKey
        self.requiresBaseURL = requiresBaseURL
    }
}
