import Foundation
import Testing

@testable import Contracts

@Suite("Base URL allow-list")
struct BaseURLPolicyTests {
    let openai = ProviderID.openAI
    let azure = ProviderID.azureOpenAI

    @Test("scheme, host and port equal, path under the prefix at a / boundary")
    func matching() throws {
        let policy = try BaseURLPolicy(allowList: ["https://llm.internal:8443/v1", "http://10.0.0.5"])
        #expect(policy.rejection(of: "https://llm.internal:8443/v1", for: openai) == nil)
        #expect(policy.rejection(of: "https://llm.internal:8443/v1/", for: openai) == nil)
        #expect(policy.rejection(of: "https://llm.internal:8443/v1/deep/path", for: openai) == nil)
        #expect(policy.rejection(of: "http://10.0.0.5:80/anything", for: openai) == nil)
        for refused in [
            "https://llm.internal:8443/v10", "https://llm.internal/v1", "http://llm.internal:8443/v1",
            "https://llm.internal.evil.com:8443/v1", "https://llm.internal:8443", "http://10.0.0.5:8080",
            "http://169.254.169.254/latest/meta-data", "ftp://llm.internal:8443/v1", "not a url",
            "https://user:pw@llm.internal:8443/v1", "https://llm.internal:8443/v1?x=1",
        ] {
            #expect(policy.rejection(of: refused, for: openai) != nil, "\(refused)")
        }
    }

    @Test("a verdict asked for again is the same, for each provider on its own, past the remembered count")
    func remembered() throws {
        let policy = try BaseURLPolicy(allowList: ["https://llm.internal:8443/v1"])
        for _ in 0..<3 {
            #expect(policy.rejection(of: "https://llm.internal:8443/v1", for: openai) == nil)
            #expect(policy.rejection(of: "https://api.openai.com/v1", for: openai) == nil)
            #expect(policy.rejection(of: "https://api.openai.com/v1", for: azure) != nil)
            #expect(policy.rejection(of: "http://169.254.169.254/latest", for: openai) != nil)
        }
        // More URLs than it remembers: the verdicts stay right after it forgets.
        for index in 0..<1_100 {
            #expect(policy.rejection(of: "https://llm.internal:8443/v1/\(index)", for: openai) == nil)
        }
        #expect(policy.rejection(of: "http://169.254.169.254/latest", for: openai) != nil)
    }

    @Test("the providers' official endpoints are always allowed, only over https")
    func official() throws {
        let policy = try BaseURLPolicy(allowList: [])
        #expect(policy.rejection(of: "https://api.openai.com/v1", for: openai) == nil)
        #expect(policy.rejection(of: "http://api.openai.com/v1", for: openai) != nil)
        #expect(policy.rejection(of: "https://api.anthropic.com", for: openai) != nil, "another provider's host")
        #expect(policy.rejection(of: "https://my-resource.openai.azure.com/openai", for: azure) == nil)
        #expect(policy.rejection(of: "https://openai.azure.com", for: azure) != nil)
        #expect(policy.rejection(of: "https://evil.com/.openai.azure.com", for: azure) != nil)
    }

    @Test("a malformed allow-list entry is refused at boot")
    func badEntries() {
        #expect(throws: BaseURLError.self) { try BaseURLPolicy(allowList: ["llm.internal:8443"]) }
        #expect(throws: BaseURLError.self) { try BaseURLPolicy(allowList: ["https://"]) }
        #expect(throws: BaseURLError.self) { try BaseURLPolicy(allowList: ["https://llm.internal/v1/../admin"]) }
    }

    @Test("dot segments and encoded dots or slashes cannot leave an allowed path")
    func dotSegments() throws {
        let policy = try BaseURLPolicy(allowList: ["https://llm.internal/openai"])
        #expect(policy.rejection(of: "https://llm.internal/openai/v1", for: openai) == nil)
        for refused in [
            "https://llm.internal/openai/../admin", "https://llm.internal/openai/./v1",
            "https://llm.internal/openai/..",
            "https://llm.internal/openai/%2e%2e/admin", "https://llm.internal/openai/%2E%2E/admin",
            "https://llm.internal/openai/%2fadmin", "https://llm.internal/openai/x%5C..",
            "https://api.openai.com/v1/../x",
        ] {
            #expect(policy.rejection(of: refused, for: openai) != nil, "\(refused)")
        }
    }

    @Test("a proxied call's path: rooted, printable, no line breaks, no escape from the path")
    func providerPaths() {
        for allowed in [
            "/v1/chat/completions", "/v2/chat", "/v1/models/gpt-4o", "/v1beta/models/x:stream?alt=sse&x=%2e",
        ] {
            #expect(URLPathRules.providerPathProblem(allowed) == nil, "\(allowed)")
        }
        for refused in [
            "v1/chat/completions", "//evil.com/v1", "/v1/chat/completions\r\nX-Evil: 1", "/v1/a b", "/v1/../admin",
            "/%2e%2e/admin", "/%2E%2e/admin", "/v1/%2Fadmin", "/v1/./x", "/v1\\admin", "/v1@evil.com",
            "/http://evil.com", "/v1#x", "/é", "/" + String(repeating: "a", count: 600),
        ] {
            #expect(URLPathRules.providerPathProblem(refused) != nil, "\(refused)")
        }
    }
}
