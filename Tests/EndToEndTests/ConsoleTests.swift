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
        "in a real Chromium: the platform admin creates a tenant; its admin signs in with a key and as a user, stores a provider key (only its preview anywhere in the page), creates a key (shown once) and revokes it (its calls fail), sees the calls in the overview's chart and the usage table, gets a schema's error with its pointer, publishes content; no JavaScript error, CSP violation or other origin"
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
}
