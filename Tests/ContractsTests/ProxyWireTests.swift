import Foundation
import Messaging
import Testing

@testable import Contracts

@Suite("The proxy's wire")
struct ProxyWireTests {
    @Test("a call's headers read back as they were written")
    func callHeaders() throws {
        let raw = ProxyCallHeaders(
            api: .raw, service: .azureOpenAI, path: "/chat/completions", stream: true, credential: "backup")
        #expect(try ProxyCallHeaders(headers: raw.headers) == raw)
        let messages = ProxyCallHeaders(
            api: .anthropic, path: "/v1/messages",
            clientHeaders: ["anthropic-version": "2023-06-01", "anthropic-beta": "tools-2024"])
        #expect(try ProxyCallHeaders(headers: messages.headers) == messages)
        let defaults = try ProxyCallHeaders(headers: [:])
        #expect(defaults == ProxyCallHeaders(api: .raw))
        #expect(defaults.credential == "default" && !defaults.stream)
    }

    @Test("only the client headers a provider may get are passed on")
    func clientHeaders() throws {
        let read = try ProxyCallHeaders(headers: [
            "Proxy-Api": "anthropic", "Proxy-Client-anthropic-beta": "x", "Proxy-Client-authorization": "Bearer sk",
        ])
        #expect(read.clientHeaders == ["anthropic-beta": "x"])
    }

    @Test("an unknown API or service is refused, naming the header")
    func unknown() {
        #expect(throws: MalformedHeader.self) { try ProxyCallHeaders(headers: ["Proxy-Api": "soap"]) }
        let error = #expect(throws: MalformedHeader.self) {
            try ProxyCallHeaders(headers: ["Proxy-Service": "skynet"])
        }
        #expect(error?.name == "Proxy-Service")
    }

    @Test("the upstream head keeps the status and the headers a client may see, lowercased, in order")
    func upstreamHead() throws {
        let head = UpstreamHead(
            status: 429,
            responseHeaders: [
                ("Content-Type", "application/json"), ("Set-Cookie", "a=b"), ("Retry-After", "3"),
                ("x-ratelimit-remaining-requests", "0"), ("Server", "x"), ("anthropic-ratelimit-tokens-reset", "t"),
            ])
        #expect(
            head.passed.map(\.name) == [
                "content-type", "retry-after", "x-ratelimit-remaining-requests", "anthropic-ratelimit-tokens-reset",
            ])
        #expect(try UpstreamHead(headers: head.headers) == head)
        #expect(throws: MalformedHeader.self) { try UpstreamHead(headers: [:]) }
        #expect(throws: MalformedHeader.self) { try UpstreamHead(headers: ["Upstream-Status": "7000"]) }
    }

    @Test("the tightest request and token counts ride in one header and read back")
    func rateLimitsHead() throws {
        var head = UpstreamHead(status: 200)
        head.rateLimits = .init(
            requests: .init(limit: 30, remaining: 29, resetsIn: 11.5),
            tokens: .init(limit: 1000, remaining: 900, resetsIn: nil))
        #expect(head.headers["Upstream-Rate-Limits"] == "requests 30 29 12s;tokens 1000 900 -")
        #expect(try UpstreamHead(headers: head.headers) == head)
        head.rateLimits = .init(tokens: .init(limit: 5, remaining: 0, resetsIn: 60))
        #expect(head.headers["Upstream-Rate-Limits"] == "tokens 5 0 1m0s")
        #expect(try UpstreamHead(headers: head.headers) == head)

        func read(_ header: String) throws -> UpstreamHead.RateLimits? {
            try UpstreamHead(headers: ["Upstream-Status": "200", "Upstream-Rate-Limits": header]).rateLimits
        }
        let spaced = try #require(try read(" tokens  7 -2 3s ;; requests 1 0 - "))
        #expect(spaced.text(of: .requests)! == ("1", "0", nil))
        #expect(spaced.text(of: .tokens)! == ("7", "-2", "3s"))
        // A header not of this form writes no count at all, not even its well-formed parts.
        for malformed in [
            "requests 30 29", "requests 30 29 12s 4", "requests x 29 12s", "requests 30 2-9 12s", "requests - 29 12s",
            "calls 30 29 12s", "requests 30 29 12s;tokens", "requests 12345678901234567890 0 -",
            "tokens 7 6 -;requests 1 0 -;tokens 8 7 -", "requests 1 0 -;tokens 1 0 -;calls 1 0 -",
        ] {
            let limits = try #require(try read(malformed), "\(malformed)")
            var written = 0
            limits.forEachCount { _, _, _, _ in written += 1 }
            #expect(written == 0, "\(malformed)")
        }
        #expect(try read("tokens 9223372036854775807 0 -")?.text(of: .tokens)?.limit == String(Int64.max))

        // The largest counts and resets fit in the header (a writer past its room stops the process).
        let largest = UpstreamHead.RateLimits.Count(limit: .min, remaining: .min, resetsIn: .greatestFiniteMagnitude)
        let extreme = UpstreamHead.RateLimits(requests: largest, tokens: largest)
        #expect(extreme.text(of: .tokens)?.remaining == String(Int64.min))
        #expect(try read(extreme.header) == extreme)
    }
}

@Suite("Providers")
struct ProviderIDTests {
    @Test("every service name reads back as its provider; unknown names as none")
    func names() {
        for provider in ProviderID.allCases { #expect(ProviderID(service: provider.service) == provider) }
        #expect(ProviderID(service: "skynet") == nil)
        #expect(ProviderID.services.first == "openai" && ProviderID.services.count == ProviderID.allCases.count)
    }

    @Test("a provider without an official endpoint needs the credential's own")
    func endpoints() {
        for provider in ProviderID.allCases {
            #expect(provider.facts.requiresBaseURL == (provider.facts.defaultBaseURL == nil), "\(provider)")
            #expect(provider.facts.defaultPath.hasPrefix("/"))
        }
        #expect(!ProviderID.ollama.facts.requiresKey)
    }

    @Test("a routed answer's route, target and attempts ride in one header, a model with spaces included")
    func routeHead() throws {
        var head = UpstreamHead(status: 200)
        head.route = .init(name: "smart", servedBy: "ollama/my model:8b", attempts: 2)
        #expect(head.headers["Upstream-Route"] == "2 smart ollama/my model:8b")
        #expect(try UpstreamHead(headers: head.headers) == head)
        var malformed = UpstreamHead(status: 200).headers
        malformed.add("Upstream-Route", "two smart")
        #expect(try UpstreamHead(headers: malformed).route == nil, "a head it cannot read is left out")
    }
}
