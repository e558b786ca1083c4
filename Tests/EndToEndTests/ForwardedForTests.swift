import Foundation
import TestSupport
import Testing

@testable import Gateway

@Suite("Client address behind proxies")
struct ForwardedForTests {
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
