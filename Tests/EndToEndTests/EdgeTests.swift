import Foundation
import Messaging
import TestSupport
import Testing

@Suite("The edge: request ids, problems, limits, CORS, rate limits")
struct EdgeTests {
    @Test("x-request-id: a well-formed one is echoed, anything else replaced")
    func requestID() async throws {
        try await TestGateway.run { gateway in
            let echoed = try await gateway.http.get("/healthz", headers: ["x-request-id": "trace-1:a.b_c"])
            #expect(echoed.header("x-request-id") == "trace-1:a.b_c")
            for bad in ["has space", String(repeating: "x", count: 129), "semi;colon"] {
                let response = try await gateway.http.get("/healthz", headers: ["x-request-id": bad])
                let id = try #require(response.header("x-request-id"))
                #expect(id != bad && !id.isEmpty)
            }
            let problem = try await gateway.http.get("/no/such/route", headers: ["x-request-id": "abc"])
            #expect(problem.status == 404)
            #expect(problem.header("x-request-id") == "abc")
            #expect(problem.json["requestId"] as? String == "abc")
            #expect(problem.json["status"] as? Int == 404)
            #expect(problem.json["title"] as? String == "Not Found")
        }
    }

    @Test("a body over MAX_BODY_BYTES gets 413")
    func bodyLimit() async throws {
        try await TestGateway.run(environment: ["MAX_BODY_BYTES": "2048"]) { gateway in
            let big = Array("{\"name\": \"\(String(repeating: "x", count: 4000))\"}".utf8)
            let response = try await gateway.http.send("POST", "/tenants", raw: big, headers: gateway.adminHeaders)
            #expect(response.status == 413)
            #expect(response.header("content-type") == "application/problem+json")
        }
    }

    @Test("after a 413 the connection closes: a client that reads only after sending gets its answer, not a hang")
    func bodyLimitCloses() async throws {
        try await TestGateway.run { gateway in
            let port = try #require(URL(string: gateway.http.baseURL)?.port)
            for declared in [10 * 1024 * 1024, 2 * 1024 * 1024] {
                let exchange = try await RawHTTPClient.exchange(
                    port: port,
                    head: [
                        "POST /tenants HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
                        "Content-Length: \(declared)", "x-admin-key: \(TestCluster.adminAPIKey)",
                    ], bodyBytes: declared)
                #expect(exchange.status == 413, "\(exchange.received.prefix(300))")
                #expect(exchange.received.lowercased().contains("connection: close"))
                #expect(exchange.closed, "the gateway closed the connection instead of waiting for more")
            }
            // A chunked body that passes the limit is refused when it does, and closes the same way.
            let chunked = try await gateway.http.send(
                "POST", "/tenants", raw: Array(repeating: UInt8(ascii: " "), count: 2 * 1024 * 1024),
                headers: gateway.adminHeaders.merging(["transfer-encoding": "chunked"]) { $1 })
            #expect(chunked.status == 413)
            #expect(chunked.header("connection") == "close")
        }
    }

    @Test("a body must be JSON: any other Content-Type gets 415, charset and +json types are fine")
    func jsonOnly() async throws {
        try await TestGateway.run { gateway in
            let body = Array(#"{"name": "Typed"}"#.utf8)
            for type in [
                "text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data", "",
            ] {
                let refused = try await gateway.http.send(
                    "POST", "/tenants", raw: body, headers: gateway.adminHeaders.merging(["content-type": type]) { $1 })
                #expect(refused.status == 415, "\(type): \(refused.text)")
                #expect(refused.header("content-type") == "application/problem+json")
                #expect((refused.json["detail"] as? String)?.hasPrefix("send the body as application/json") == true)
            }
            for (index, type) in [
                "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json",
            ]
            .enumerated() {
                let accepted = try await gateway.http.send(
                    "POST", "/tenants", raw: Array(#"{"name": "Typed \#(index)"}"#.utf8),
                    headers: gateway.adminHeaders.merging(["content-type": type]) { $1 })
                #expect(accepted.status == 201, "\(type): \(accepted.text)")
            }
            // A route without a body needs no Content-Type.
            #expect(try await gateway.http.get("/tenants", headers: gateway.adminHeaders).status == 200)
        }
    }

    @Test("a NUL character in text that would be stored gets 400, not 500; an escaped backslash is no NUL")
    func nulCharacter() async throws {
        try await TestGateway.run { gateway in
            let refused = try await gateway.http.post(
                "/tenants", json: ["name": "Acme\u{0}Corp"], headers: gateway.adminHeaders)
            #expect(refused.status == 400, "\(refused.text)")
            #expect((refused.json["detail"] as? String ?? "").contains("NUL"), "\(refused.text)")
            let raw = try await gateway.http.send(
                "POST", "/tenants", raw: Array(#"{"name": "Acme\u0000"}"#.utf8), headers: gateway.adminHeaders)
            #expect(raw.status == 400, "\(raw.text)")
            let backslash = try await gateway.http.post(
                "/tenants", json: ["name": #"Acme \u0000 Corp"#], headers: gateway.adminHeaders)
            #expect(backslash.status == 201, "a backslash followed by u0000 is text: \(backslash.text)")
            #expect(backslash.json["name"] as? String == #"Acme \u0000 Corp"#)
        }
    }

    @Test("CORS: configured origins may send x-api-key and Authorization")
    func cors() async throws {
        try await TestGateway.run(environment: ["CORS_ALLOWED_ORIGINS": "https://app.example.com"]) { gateway in
            let preflight = try await gateway.http.send(
                "OPTIONS", "/api-keys",
                headers: [
                    "Origin": "https://app.example.com", "Access-Control-Request-Method": "GET",
                    "Access-Control-Request-Headers": "x-api-key",
                ])
            #expect(preflight.status == 204)
            #expect(preflight.header("access-control-allow-origin") == "https://app.example.com")
            let allowed = try #require(preflight.header("access-control-allow-headers"))
            #expect(allowed.contains("x-api-key") && allowed.contains("authorization"))

            let actual = try await gateway.http.get("/healthz", headers: ["Origin": "https://app.example.com"])
            #expect(actual.header("access-control-allow-origin") == "https://app.example.com")
            let error = try await gateway.http.get("/api-keys", headers: ["Origin": "https://app.example.com"])
            #expect(error.status == 401)
            #expect(error.header("access-control-allow-origin") == "https://app.example.com", "errors are readable too")

            let stranger = try await gateway.http.get("/healthz", headers: ["Origin": "https://evil.example.com"])
            #expect(stranger.header("access-control-allow-origin") == nil)
        }
    }

    @Test("over the per-key rate limit: 429 with Retry-After; other keys are unaffected")
    func rateLimit() async throws {
        try await TestGateway.run(environment: ["RATE_LIMIT_PER_MINUTE": "5"]) { gateway in
            // No usage service runs here, so no limits ledger: each instance counts on its own, a
            // bucket of 5 that gains a request every 12 s (ClusterRateLimit's fallback).
            let tenant = try await gateway.createTenant()
            let started = ContinuousClock.now
            let other = try await gateway.createKey("readonly", adminKey: tenant.key)
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<7 {
                let response = try await gateway.http.get("/auth/me", headers: ["x-api-key": tenant.key])
                statuses.append(response.status)
                if response.status == 429 { retryAfter = response.header("retry-after") }
            }
            // One request of the budget went to creating the key; a slow machine may have earned
            // the bucket more since.
            let refills = Int((ContinuousClock.now - started).seconds / 12)
            let answered = statuses.filter { $0 == 200 }.count
            #expect(answered >= 4 && answered <= 4 + refills, "\(statuses) in \(refills * 12)+ s")
            #expect(statuses.prefix(4) == [200, 200, 200, 200])
            #expect(statuses.filter { $0 == 429 }.count == 7 - answered, "\(statuses)")
            #expect(Int(retryAfter ?? "") ?? 0 >= 1)
            #expect(try await gateway.http.get("/auth/me", headers: ["x-api-key": other.key]).status == 200)
        }
    }

    @Test("anonymous routes are limited per client address")
    func anonymousRateLimit() async throws {
        try await TestGateway.run(environment: ["RATE_LIMIT_ANONYMOUS_PER_MINUTE": "3", "TRUSTED_PROXY_HOPS": "1"]) {
            gateway in
            // Counted in one UTC minute: a run that straddled two is repeated from another address.
            var attempt = 0
            let statuses = try await inOneMinute {
                attempt += 1
                var statuses: [Int] = []
                for _ in 0..<5 {
                    statuses.append(
                        try await gateway.http.post(
                            "/auth/login", json: ["identifier": "x", "password": "y", "tenant": "z"],
                            headers: ["x-forwarded-for": "192.0.2.\(attempt)"]
                        ).status)
                }
                return statuses
            }
            #expect(statuses == [401, 401, 401, 429, 429])
            #expect(try await gateway.http.get("/healthz").status == 200, "probes are never limited")
        }
    }
}
