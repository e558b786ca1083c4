import Foundation
import TestSupport
import Testing

@Suite("Admin console")
struct ConsoleTests {
    /// Where the browser test's screenshots go: `STRONGBOX_SCREENSHOTS`, else `.data/screenshots`
    /// (`make console-screenshots` points it at docs/console for docs/console.md).
    static var screenshots: String {
        ProcessInfo.processInfo.environment["STRONGBOX_SCREENSHOTS"]
            ?? TestCluster.repositoryRoot.appendingPathComponent(".data/screenshots").path
    }

    @Test(
        "in a real Chromium: /docs renders the API; the platform admin creates a tenant; its admin signs in with a key and as a user, stores a provider key (only its preview anywhere in the page), creates a key (shown once) and revokes it (its calls fail), sees the calls in the overview's chart and the usage table, gets a schema's error with its pointer, publishes content; no JavaScript error, CSP violation or other origin"
    )
    func browser() async throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: SDKTests.python),
            "no virtualenv at \(SDKTests.python): `make test` creates it (scripts/sdk-venv.sh)")
        try await ProxyHarness.run(chunkDelay: .milliseconds(1)) { harness in
            _ = try await harness.gateway.launch("content")
            let script = TestCluster.repositoryRoot.appendingPathComponent("Tests/console/check_console.py").path
            let run = try ChildProcess(
                SDKTests.python,
                [script, harness.http.baseURL, TestCluster.adminAPIKey, harness.standInURL, Self.screenshots],
                logName: "console")
            #expect(await run.waitForExit(timeout: .seconds(300)) == 0, "\(run.output)")
            let line = try #require(run.output.split(separator: "\n").last { $0.hasPrefix("{") }, "\(run.output)")
            let seen = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect((seen["docsOperations"] as? Int ?? 0) > 50, "Swagger UI rendered the document at /docs")
            #expect(seen["revokedStatus"] as? Int == 401)
            #expect((seen["chartTokensToday"] as? Int ?? 0) > 0, "today's tokens are in the chart's data")
            #expect((seen["usageRows"] as? Int ?? 0) >= 4)
            #expect((seen["csvLines"] as? Int ?? 0) >= 5)
            #expect(seen["schemaPointer"] as? String == "/properties/title/minLength")
            #expect(seen["publicTitle"] as? String == "Hello console")
            #expect(seen["errors"] as? Int == 0 && seen["violations"] as? Int == 0 && seen["foreign"] as? Int == 0)

            // What the clicks left behind, read through the API.
            let tenants = try await harness.http.get("/tenants?limit=200", headers: harness.gateway.adminHeaders)
            let created = (tenants.json["items"] as? [[String: Any]] ?? []).first {
                $0["slug"] as? String == "console-co"
            }
            let tenantID = try #require(created?["id"] as? String, "the tenant made in the console exists")
            let limits = try await harness.http.get(
                "/tenants/\(tenantID)/limits", headers: harness.gateway.adminHeaders)
            let platformLimit = (limits.json["items"] as? [[String: Any]])?.first
            #expect(platformLimit?["requests"] as? Int == 100_000 && platformLimit?["owner"] as? String == "platform")
            #expect(
                !harness.gateway.logs.text.contains("sk-console-provider-secret"),
                "the provider key never reached a log line")
        }
    }

    @Test(
        "the console's files: every one with a strict CSP (no inline script, no framing), revalidated by ETag; Chart.js from libjs-chart.js; an unknown file is a 404 problem"
    )
    func assets() async throws {
        try await TestGateway.run { gateway in
            let page = try await gateway.http.get("/console")
            #expect(page.status == 200 && page.header("content-type") == "text/html; charset=utf-8")
            let policy = try #require(page.header("content-security-policy"))
            #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("unsafe-inline") && page.header("x-frame-options") == "DENY")
            #expect(page.text.contains("<script type=\"module\" src=\"/console/assets/app.js\"></script>"))
            #expect(
                !page.text.contains("<script>") && !page.text.contains("http://") && !page.text.contains("https://"))

            let app = try await gateway.http.get("/console/assets/app.js")
            #expect(app.status == 200 && app.header("content-type") == "text/javascript; charset=utf-8")
            let etag = try #require(app.header("etag"))
            let again = try await gateway.http.get("/console/assets/app.js", headers: ["if-none-match": etag])
            #expect(again.status == 304 && again.body.isEmpty)

            let chart = try await gateway.http.get("/console/assets/chart.js")
            #expect(chart.status == 200 && chart.text.contains("Chart.js v"), "Chart.js from libjs-chart.js")
            let missing = try await gateway.http.get("/console/assets/nothing.js")
            #expect(missing.status == 404 && missing.header("content-type") == "application/problem+json")
            let traversal = try await gateway.http.get("/console/assets/..%2F..%2FPackage.swift")
            #expect(traversal.status == 404)
        }
    }

    @Test(
        "console sessions: sign-in sets an HttpOnly SameSite=Strict cookie and never shows the refresh token; the cookie refreshes (rotating) until sign-out revokes it; wrong passwords, missing cookies and other sites are refused"
    )
    func sessions() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant("Console sessions")
            _ = try await gateway.register("grace", key: tenant.key)
            let login = ["tenant": tenant.slug, "identifier": "grace", "password": "correct horse battery"]

            let wrong = try await gateway.http.post(
                "/console/session", json: login.merging(["password": "wrong horse"]) { $1 })
            #expect(wrong.status == 401 && wrong.header("set-cookie") == nil)

            let signedIn = try await gateway.http.post("/console/session", json: login)
            #expect(signedIn.status == 200, "\(signedIn.text)")
            #expect(signedIn.json["refreshToken"] == nil && signedIn.json["accessToken"] is String)
            let cookie = try #require(signedIn.header("set-cookie"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/console/session") && !cookie.contains("Secure"), "plain HTTP on loopback")
            let token = try #require(cookie.split(separator: ";").first.map(String.init))
            #expect(token.hasPrefix("strongbox_console=rt_"))

            let me = try await gateway.http.get(
                "/auth/me", headers: ["authorization": "Bearer \(signedIn.json["accessToken"] as? String ?? "")"])
            #expect((me.json["user"] as? [String: Any])?["username"] as? String == "grace")

            let crossSite = try await gateway.http.post(
                "/console/session/refresh", headers: ["cookie": token, "sec-fetch-site": "cross-site"])
            #expect(crossSite.status == 403)
            let noCookie = try await gateway.http.post("/console/session/refresh")
            #expect(noCookie.status == 401)

            let refreshed = try await gateway.http.post(
                "/console/session/refresh", headers: ["cookie": token, "sec-fetch-site": "same-origin"])
            #expect(refreshed.status == 200 && refreshed.json["accessToken"] is String)
            let rotated = try #require(refreshed.header("set-cookie")?.split(separator: ";").first.map(String.init))
            #expect(rotated != token, "the refresh token rotates")

            let signedOut = try await gateway.http.delete("/console/session", headers: ["cookie": rotated])
            #expect(signedOut.status == 204 && signedOut.header("set-cookie")?.contains("Max-Age=0") == true)
            let afterSignOut = try await gateway.http.post("/console/session/refresh", headers: ["cookie": rotated])
            #expect(afterSignOut.status == 401, "sign-out revoked the session")
            #expect(afterSignOut.header("set-cookie")?.contains("Max-Age=0") == true, "and the dead cookie is cleared")
        }
    }
}
