import Contracts
import Foundation
import Messaging
import NIOHTTP1
import Testing

@testable import Proxy

@Suite("Provider adapters: URLs and headers")
struct AdapterTests {
    static let open = try! BaseURLPolicy(allowList: ["http://127.0.0.1:9999", "https://llm.internal/v1"])

    static func credential(
        _ provider: ProviderID, key: String = "sk-test-key", meta: [String: JSONValue] = [:]
    ) -> ReleasedCredential {
        ReleasedCredential(id: UUID(), service: provider.service, name: "default", key: key, meta: meta, keyVersion: 1)
    }

    static func request(
        _ provider: ProviderID, path: String, api: ClientAPI, model: String? = nil, key: String = "sk-test-key",
        meta: [String: JSONValue] = [:], clientHeaders: [String: String] = [:]
    ) throws -> UpstreamRequest {
        try provider.adapter.request(
            path: path, api: api, model: model, credential: credential(provider, key: key, meta: meta),
            clientHeaders: clientHeaders, policy: open)
    }

    @Test(
        "each provider's URL for its own API and for the OpenAI API",
        arguments: [
            (ProviderID.openAI, "/v1/chat/completions", ClientAPI.openAI, "https://api.openai.com/v1/chat/completions"),
            (.openAI, "/v1/responses", .raw, "https://api.openai.com/v1/responses"),
            (.groq, "/v1/chat/completions", .openAI, "https://api.groq.com/openai/v1/chat/completions"),
            (
                .gemini, "/v1/chat/completions", .openAI,
                "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
            ),
            (
                .gemini, "/v1beta/openai/chat/completions", .raw,
                "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
            ),
            (
                .gemini, "/v1beta/models/gemini-2.0-flash:generateContent", .raw,
                "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent"
            ),
            (.cohere, "/v2/chat", .raw, "https://api.cohere.com/v2/chat"),
            (.cohere, "/v1/chat/completions", .openAI, "https://api.cohere.com/compatibility/v1/chat/completions"),
            (.anthropic, "/v1/messages", .anthropic, "https://api.anthropic.com/v1/messages"),
            (.anthropic, "/v1/chat/completions", .openAI, "https://api.anthropic.com/v1/chat/completions"),
            (.mistral, "/v1/embeddings", .openAI, "https://api.mistral.ai/v1/embeddings"),
            (.openRouter, "/v1/chat/completions", .openAI, "https://openrouter.ai/api/v1/chat/completions"),
            (.deepSeek, "/v1/chat/completions", .openAI, "https://api.deepseek.com/v1/chat/completions"),
            (.together, "/v1/chat/completions", .openAI, "https://api.together.xyz/v1/chat/completions"),
        ] as [(ProviderID, String, ClientAPI, String)])
    func urls(provider: ProviderID, path: String, api: ClientAPI, url: String) throws {
        #expect(try Self.request(provider, path: path, api: api).url == url)
    }

    @Test("a configured base URL that ends in /v1 takes the rest of an OpenAI path; a raw path stays whole")
    func configuredBase() throws {
        let meta: [String: JSONValue] = ["baseUrl": .string("https://llm.internal/v1/")]
        #expect(
            try Self.request(.openAICompatible, path: "/v1/chat/completions", api: .openAI, meta: meta).url
                == "https://llm.internal/v1/chat/completions")
        #expect(
            try Self.request(.openAICompatible, path: "/v1/models", api: .raw, meta: meta).url
                == "https://llm.internal/v1/v1/models")
        let local: [String: JSONValue] = ["baseUrl": .string("http://127.0.0.1:9999")]
        #expect(
            try Self.request(.ollama, path: "/v1/chat/completions", api: .openAI, key: "", meta: local).url
                == "http://127.0.0.1:9999/v1/chat/completions")
    }

    @Test("a base URL the policy does not allow, or none where one is needed, is a 422 naming the provider")
    func refusedBase() {
        let error = #expect(throws: ServiceError.self) {
            try Self.request(
                .openAI, path: "/v1/chat/completions", api: .openAI,
                meta: ["baseUrl": .string("https://evil.example/v1")])
        }
        #expect(error?.code == .unprocessable && error?.message.contains("openai") == true)
        let missing = #expect(throws: ServiceError.self) {
            try Self.request(.openAICompatible, path: "/v1/chat/completions", api: .openAI)
        }
        #expect(missing?.message == "the openai-compatible credential has no meta.baseUrl")
    }

    @Test("bearer providers: the key, OpenAI's organization and project, the credential's own headers")
    func bearer() throws {
        let request = try Self.request(
            .openAI, path: "/v1/chat/completions", api: .openAI,
            meta: [
                "organization": .string("org-1"), "project": .string("proj-1"),
                "headers": .object(["X-Team": .string("ml"), "Authorization": .string("Bearer stolen")]),
            ])
        #expect(request.headers["authorization"] == ["Bearer sk-test-key"], "a credential header never replaces it")
        #expect(request.headers.first(name: "openai-organization") == "org-1")
        #expect(request.headers.first(name: "openai-project") == "proj-1")
        #expect(request.headers.first(name: "x-team") == "ml")
        #expect(request.headers.first(name: "content-type") == "application/json")
        let keyless = try Self.request(
            .ollama, path: "/v1/chat/completions", api: .openAI, key: "",
            meta: ["baseUrl": .string("http://127.0.0.1:9999")])
        #expect(!keyless.headers.contains(name: "authorization"))
    }

    @Test("Anthropic: x-api-key, the credential's version over the client's over the default, the client's beta")
    func anthropic() throws {
        let plain = try Self.request(.anthropic, path: "/v1/messages", api: .anthropic)
        #expect(plain.headers.first(name: "x-api-key") == "sk-test-key")
        #expect(plain.headers.first(name: "anthropic-version") == "2023-06-01")
        #expect(!plain.headers.contains(name: "authorization"))
        let client = try Self.request(
            .anthropic, path: "/v1/messages", api: .anthropic,
            clientHeaders: ["anthropic-version": "2024-01-01", "anthropic-beta": "tools"])
        #expect(client.headers.first(name: "anthropic-version") == "2024-01-01")
        #expect(client.headers.first(name: "anthropic-beta") == "tools")
        let pinned = try Self.request(
            .anthropic, path: "/v1/messages", api: .anthropic, meta: ["apiVersion": .string("2023-01-01")],
            clientHeaders: ["anthropic-version": "2024-01-01"])
        #expect(pinned.headers["anthropic-version"] == ["2023-01-01"])
    }

    @Test("Gemini: x-goog-api-key for its own API, a bearer key for its OpenAI-compatible one")
    func gemini() throws {
        let native = try Self.request(.gemini, path: "/v1beta/models/gemini-2.0-flash:generateContent", api: .raw)
        #expect(native.headers.first(name: "x-goog-api-key") == "sk-test-key")
        #expect(!native.headers.contains(name: "authorization"))
        let compatible = try Self.request(.gemini, path: "/v1/chat/completions", api: .openAI)
        #expect(compatible.headers.first(name: "authorization") == "Bearer sk-test-key")
        #expect(!compatible.headers.contains(name: "x-goog-api-key"))
    }

    @Test("Azure: the deployment and API version in the URL, the key in api-key")
    func azure() throws {
        let meta: [String: JSONValue] = ["baseUrl": .string("https://res.openai.azure.com")]
        let byModel = try Self.request(
            .azureOpenAI, path: "/v1/chat/completions", api: .openAI, model: "gpt-4o", meta: meta)
        #expect(
            byModel.url
                == "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21")
        #expect(byModel.headers.first(name: "api-key") == "sk-test-key")
        var named = meta
        named["deployment"] = .string("prod-4o")
        named["apiVersion"] = .string("2025-01-01")
        #expect(
            try Self.request(.azureOpenAI, path: "/v1/embeddings", api: .openAI, model: "x", meta: named).url
                == "https://res.openai.azure.com/openai/deployments/prod-4o/embeddings?api-version=2025-01-01")
        let bad = #expect(throws: ServiceError.self) {
            try Self.request(.azureOpenAI, path: "/v1/chat/completions", api: .openAI, model: "../admin", meta: meta)
        }
        #expect(bad?.code == .badRequest)
        let none = #expect(throws: ServiceError.self) {
            try Self.request(.azureOpenAI, path: "/v1/chat/completions", api: .openAI, meta: meta)
        }
        #expect(none?.message.contains("needs a deployment") == true)
    }

    @Test("model lists: asked of the provider, or named by an Azure credential")
    func modelListings() throws {
        guard
            case .ask(let openAI) = try ProviderID.openAI.adapter.modelListing(
                credential: Self.credential(.openAI), policy: Self.open)
        else { Issue.record("OpenAI lists its models"); return }
        #expect(openAI.url == "https://api.openai.com/v1/models")
        guard
            case .ask(let cohere) = try ProviderID.cohere.adapter.modelListing(
                credential: Self.credential(.cohere), policy: Self.open)
        else { Issue.record("Cohere lists its models"); return }
        #expect(cohere.url == "https://api.cohere.com/v1/models")
        let azure = try ProviderID.azureOpenAI.adapter.modelListing(
            credential: Self.credential(.azureOpenAI, meta: ["deployment": .string("prod-4o")]), policy: Self.open)
        guard case .known(let models) = azure else { Issue.record("Azure names its deployment"); return }
        #expect(models.map(\.id) == ["azure-openai/prod-4o"])
    }

    @Test("usage formats: the provider's own for raw calls, the client's API's otherwise")
    func formats() {
        #expect(ProviderID.cohere.adapter.format(for: .raw, path: "/v2/chat") == .cohere)
        #expect(ProviderID.cohere.adapter.format(for: .openAI, path: "/v1/chat/completions") == .openAI)
        #expect(ProviderID.anthropic.adapter.format(for: .raw, path: "/v1/messages") == .anthropic)
        #expect(ProviderID.groq.adapter.format(for: .raw, path: "/openai/v1/chat/completions") == .openAI)
        let gemini = ProviderID.gemini.adapter
        #expect(gemini.format(for: .raw, path: "/v1beta/models/gemini-2.0-flash:generateContent") == .gemini)
        #expect(gemini.format(for: .raw, path: "/v1beta/openai/chat/completions") == .openAI)
        #expect(gemini.format(for: .openAI, path: "/v1/chat/completions") == .openAI)
        let openAI = ProviderID.openAI.adapter
        #expect(openAI.format(for: .openAI, path: "/v1/responses") == .openAIResponses)
        #expect(openAI.format(for: .raw, path: "/v1/responses?stream=true") == .openAIResponses)
        #expect(openAI.format(for: .raw, path: "/responses") == .openAIResponses)
        #expect(openAI.format(for: .raw, path: "/v1/responses/resp_1") == .openAI)
        #expect(openAI.format(for: .raw, path: "/v1/chat?next=/responses") == .openAI)
        #expect(ProviderID.anthropic.adapter.format(for: .anthropic, path: "/v1/responses") == .anthropic)
        #expect(!ProviderID.mistral.adapter.acceptsStreamUsage && !ProviderID.cohere.adapter.acceptsStreamUsage)
        #expect(ProviderID.openAI.adapter.acceptsStreamUsage)
    }
}
