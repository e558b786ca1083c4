import Contracts
import Testing

@Suite("Base URL allow-list")
struct BaseURLPolicyTests {
    let openai = Provider.named("openai")!
    let azure = Provider.named("azure-openai")!

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
    }
}
