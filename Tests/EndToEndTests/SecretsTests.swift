import Foundation
import TestSupport
import Testing

@Suite("Secrets stay secret")
struct SecretsTests {
    @Test("keys, passwords and tokens never appear in the database, logs or later responses")
    func plaintextNowhere() async throws {
        try await TestGateway.run(environment: ["LOG_LEVEL": "trace"]) { gateway in
            let tenant = try await gateway.createTenant()
            let extra = try await gateway.createKey("proxy", adminKey: tenant.key)
            let password = "my very secret password"
            let session = try await gateway.register("mallory", key: tenant.key, password: password)
            let accessToken = try #require(session["accessToken"] as? String)
            let refreshToken = try #require(session["refreshToken"] as? String)
            let rotated = try await gateway.http.post("/auth/refresh", json: ["refreshToken": refreshToken])
            let newRefresh = try #require(rotated.json["refreshToken"] as? String)
            _ = try await gateway.http.post(
                "/auth/login", json: ["identifier": "mallory", "password": password, "tenant": tenant.slug])
            _ = try await gateway.http.post(
                "/auth/login", json: ["identifier": "mallory", "password": "wrong guess!", "tenant": tenant.slug])
            _ = try await gateway.http.post(
                "/auth/reset-password/request", json: ["identifier": "mallory", "tenant": tenant.slug])

            // Everything a client can read afterwards.
            var later = ""
            for path in ["/api-keys", "/users", "/auth/me"] {
                later += try await gateway.http.get(path, headers: ["x-api-key": tenant.key]).text
            }
            later += try await gateway.http.get("/tenants", headers: gateway.adminHeaders).text
            later += try await gateway.http.get("/tenants/\(tenant.id)", headers: gateway.adminHeaders).text
            later += try await gateway.http.get("/auth/me", headers: ["Authorization": "Bearer \(accessToken)"]).text
            later += try await gateway.http.get("/user/settings", headers: ["Authorization": "Bearer \(accessToken)"])
                .text

            let database = try await gateway.databaseDump()
            #expect(database.contains("mallory"), "the dump is real")
            let logs = gateway.logs.text
            #expect(logs.contains("user registered"), "the log capture is real")

            let secrets = [
                "admin key": tenant.key, "proxy key": extra.key, "password": password, "access token": accessToken,
                "refresh token": refreshToken, "rotated refresh token": newRefresh,
                "admin API key": TestCluster.adminAPIKey,
                "JWT secret": TestCluster.jwtSecret,
            ]
            for (name, secret) in secrets {
                #expect(!database.contains(secret), "\(name) is not in the database")
                #expect(!logs.contains(secret), "\(name) is not in the logs")
                #expect(!later.contains(secret), "\(name) is not in later responses")
            }
        }
    }
}
