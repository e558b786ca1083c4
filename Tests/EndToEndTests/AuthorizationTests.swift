import Foundation
import TestSupport
import Testing

@Suite("API keys and authorization")
struct AuthorizationTests {
    @Test("keys: create (shown once), list without secrets, revoke; both header forms work")
    func keys() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let admin = ["x-api-key": tenant.key]
            let created = try await gateway.http.post(
                "/api-keys", json: ["name": "ci", "role": "readonly"], headers: admin)
            #expect(created.status == 201)
            let key = try #require(created.json["key"] as? String)
            #expect(key.hasPrefix("tnnt_") && key.count >= 37)
            #expect(created.json["prefix"] as? String == String(key.prefix(13)))
            #expect(created.json["role"] as? String == "readonly")

            let list = try await gateway.http.get("/api-keys", headers: admin)
            #expect(list.jsonArray.map { $0["name"] as? String } == ["default", "ci"])
            #expect(!list.text.contains(key) && !list.text.contains(tenant.key), "no key is ever listed")

            #expect(try await gateway.http.get("/auth/me", headers: ["Authorization": "Bearer \(key)"]).status == 200)
            #expect(try await gateway.http.get("/auth/me", headers: ["x-api-key": key]).status == 200)

            let id = try #require(created.json["id"] as? String)
            #expect(try await gateway.http.delete("/api-keys/\(id)", headers: admin).status == 204)
            #expect(try await gateway.http.get("/auth/me", headers: ["x-api-key": key]).status == 401)
            #expect(try await gateway.http.delete("/api-keys/\(id)", headers: admin).status == 404)
            let badRole = try await gateway.http.post("/api-keys", json: ["name": "x", "role": "root"], headers: admin)
            #expect(badRole.status == 400)
            let defaultRole = try await gateway.http.post("/api-keys", json: ["name": "y"], headers: admin)
            #expect(defaultRole.json["role"] as? String == "admin")
        }
    }

    @Test("wrong or missing credentials: 401 with a problem body")
    func unauthenticated() async throws {
        try await TestGateway.run { gateway in
            for headers in [
                [:], ["x-api-key": "tnnt_doesnotexist0000000000000000000000000"], ["x-api-key": "garbage"],
                ["Authorization": "Bearer tnnt_wrong"], ["Authorization": "Bearer not.a.jwt"],
                ["Authorization": "Basic abc"],
            ] {
                let response = try await gateway.http.get("/api-keys", headers: headers)
                #expect(response.status == 401, "\(headers)")
                #expect(response.header("content-type") == "application/problem+json")
                #expect(response.json["requestId"] as? String == response.header("x-request-id"))
            }
        }
    }

    @Test("key roles: proxy keys only for proxy routes, readonly keys only read")
    func keyRoles() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let proxy = try await gateway.createKey("proxy", adminKey: tenant.key)
            let readonly = try await gateway.createKey("readonly", adminKey: tenant.key)

            let proxyOnKeys = try await gateway.http.get("/api-keys", headers: ["x-api-key": proxy.key])
            #expect(proxyOnKeys.status == 403)
            #expect(proxyOnKeys.json["detail"] as? String == "a proxy API key may only call the AI proxy routes")
            #expect(try await gateway.http.get("/users", headers: ["x-api-key": proxy.key]).status == 403)

            #expect(try await gateway.http.get("/api-keys", headers: ["x-api-key": readonly.key]).status == 200)
            let readonlyWrite = try await gateway.http.post(
                "/api-keys", json: ["name": "sneaky"], headers: ["x-api-key": readonly.key])
            #expect(readonlyWrite.status == 403)
            #expect(readonlyWrite.json["detail"] as? String == "a readonly API key may only read")
            #expect(
                try await gateway.http.delete("/api-keys/\(proxy.id)", headers: ["x-api-key": readonly.key]).status
                    == 403)
        }
    }

    @Test("user roles and modules are enforced; a disabled module answers 403")
    func userRolesAndModules() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let alice = try await gateway.register("alice", key: tenant.key)
            let token = try #require(alice["accessToken"] as? String)
            let bearer = ["Authorization": "Bearer \(token)"]
            #expect(
                try await gateway.http.get("/users", headers: bearer).status == 403, "a plain user cannot list users")
            #expect(try await gateway.http.get("/api-keys", headers: bearer).status == 403)
            #expect(try await gateway.http.get("/user/settings", headers: bearer).status == 200)
            #expect(
                try await gateway.http.get("/user/settings", headers: ["x-api-key": tenant.key]).status == 403,
                "settings belong to users, not keys")

            let userID = try #require((alice["user"] as? [String: Any])?["id"] as? String)
            let promoted = try await gateway.http.patch(
                "/users/\(userID)", json: ["role": "moderator"], headers: ["x-api-key": tenant.key])
            #expect(promoted.json["role"] as? String == "moderator")
            let login = try await gateway.http.post(
                "/auth/login",
                json: ["identifier": "alice", "password": "correct horse battery", "tenant": tenant.slug])
            let moderatorToken = try #require(login.json["accessToken"] as? String)
            let moderator = ["Authorization": "Bearer \(moderatorToken)"]
            #expect(try await gateway.http.get("/users", headers: moderator).status == 200)
            let selfPromotion = try await gateway.http.patch(
                "/users/\(userID)", json: ["role": "admin"], headers: moderator)
            #expect(selfPromotion.status == 403, "role changes need admin")
            #expect(try await gateway.http.delete("/users/\(userID)", headers: moderator).status == 403)

            let disabled = try await gateway.http.patch(
                "/tenants/\(tenant.id)", json: ["modules": ["content"]], headers: gateway.adminHeaders)
            #expect(disabled.status == 200)
            let refused = try await gateway.http.get("/users", headers: ["x-api-key": tenant.key])
            #expect(refused.status == 403)
            #expect(refused.json["detail"] as? String == "the `users` module is disabled for this tenant")
            #expect(try await gateway.http.get("/users", headers: moderator).status == 403)
            let noLogin = try await gateway.http.post(
                "/auth/login",
                json: ["identifier": "alice", "password": "correct horse battery", "tenant": tenant.slug])
            #expect(noLogin.status == 403)
        }
    }

    @Test("tenant B gets 404 for tenant A's users and keys")
    func tenantIsolation() async throws {
        try await TestGateway.run { gateway in
            let a = try await gateway.createTenant("A")
            let b = try await gateway.createTenant("B")
            let alice = try await gateway.register("alice", key: a.key)
            let aliceID = try #require((alice["user"] as? [String: Any])?["id"] as? String)
            let aKey = try await gateway.createKey("readonly", adminKey: a.key)
            let asB = ["x-api-key": b.key]
            #expect(try await gateway.http.get("/users/\(aliceID)", headers: asB).status == 404)
            #expect(try await gateway.http.patch("/users/\(aliceID)", json: ["name": "x"], headers: asB).status == 404)
            #expect(try await gateway.http.delete("/users/\(aliceID)", headers: asB).status == 404)
            #expect(try await gateway.http.delete("/api-keys/\(aKey.id)", headers: asB).status == 404)
            #expect(try await gateway.http.get("/users", headers: asB).isEmptyPage)
            #expect(try await gateway.http.get("/users/\(aliceID)", headers: ["x-api-key": a.key]).status == 200)
            // The same username in another tenant is fine.
            _ = try await gateway.register("alice", key: b.key)
        }
    }

    /// The revocation event reaches the other instance in milliseconds; the bound is five times the
    /// one-second target so a loaded machine does not fail it.
    @Test("a revoked key is refused by every gateway instance within moments")
    func revocationAcrossInstances() async throws {
        try await TestGateway.run(instances: 2) { gateway in
            let tenant = try await gateway.createTenant()
            let key = try await gateway.createKey("readonly", adminKey: tenant.key)
            let (first, second) = (gateway.instances[0], gateway.instances[1])
            // Both instances have the key cached now.
            #expect(try await first.get("/api-keys", headers: ["x-api-key": key.key]).status == 200)
            #expect(try await second.get("/api-keys", headers: ["x-api-key": key.key]).status == 200)

            let clock = ContinuousClock()
            #expect(try await first.delete("/api-keys/\(key.id)", headers: ["x-api-key": tenant.key]).status == 204)
            let revokedAt = clock.now
            var status = 200
            while status == 200 && clock.now - revokedAt < .seconds(5) {
                status = try await second.get("/api-keys", headers: ["x-api-key": key.key]).status
            }
            #expect(status == 401, "refused on the other instance within five seconds")
        }
    }
}
