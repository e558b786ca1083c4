import Foundation
import TestSupport
import Testing

@testable import Gateway

@Suite("Client address behind proxies")
struct ForwardedForTests {
    @Test("the address the outermost trusted proxy saw; what the client wrote before it is ignored")
    func forwardedClient() {
        #expect(EdgeMiddleware.forwardedClient(["203.0.113.7"], hops: 1) == "203.0.113.7")
        #expect(EdgeMiddleware.forwardedClient(["1.2.3.4, 203.0.113.7"], hops: 1) == "203.0.113.7")
        #expect(EdgeMiddleware.forwardedClient(["1.2.3.4, 203.0.113.7", "10.0.0.2"], hops: 2) == "203.0.113.7")
        #expect(EdgeMiddleware.forwardedClient(["2001:db8::1"], hops: 1) == "2001:db8::1")
        #expect(EdgeMiddleware.forwardedClient([], hops: 1) == nil)
        #expect(EdgeMiddleware.forwardedClient(["203.0.113.7"], hops: 2) == nil, "fewer entries than proxies")
        #expect(EdgeMiddleware.forwardedClient(["evil\r\nheader"], hops: 1) == nil)
    }

    @Test("behind one trusted proxy, the contact form counts visitors apart")
    func perVisitorLimitBehindAProxy() async throws {
        try await TestGateway.run(environment: ["TRUSTED_PROXY_HOPS": "1"]) { gateway in
            _ = try await gateway.launch("content", overrides: ["CONTACT_RATE_LIMIT_PER_MINUTE": "1"])
            let tenant = try await gateway.createTenant()
            let form = "/public/\(tenant.slug)/contact"
            let message: [String: Any] = ["name": "Ann", "email": "ann@example.com", "message": "hi"]
            func send(_ forwardedFor: String) async throws -> Int {
                try await gateway.http.post(form, json: message, headers: ["x-forwarded-for": forwardedFor]).status
            }
            #expect(try await send("203.0.113.7") == 202)
            #expect(try await send("203.0.113.7") == 429, "the same visitor, over the limit")
            #expect(try await send("198.51.100.9") == 202, "another visitor has a limit of their own")
            #expect(try await send("198.51.100.9, 203.0.113.8") == 202, "the proxy's entry counts, not the client's")
            #expect(try await send("203.0.113.8") == 429)
        }
    }
}
