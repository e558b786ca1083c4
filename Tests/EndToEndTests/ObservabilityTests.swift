import Foundation
import TestSupport
import Testing

@Suite("Operations endpoints and metrics")
struct ObservabilityTests {
    @Test("every service serves /healthz, /readyz and /metrics that the Prometheus parser reads")
    func metricsEverywhere() async throws {
        try await TestGateway.run { gateway in
            var ports: [String: Int] = [:]
            for service in ["vault", "proxy", "content", "usage"] {
                let port = Loopback.freePort()
                ports[service] = port
                _ = try await gateway.launch(service, overrides: ["OPS_PORT": String(port)])
            }
            // Traffic every service answers: readiness asks each one's health endpoint.
            #expect(try await gateway.http.get("/readyz").status == 200)
            let tenant = try await gateway.createTenant()
            #expect(try await gateway.http.get("/content", headers: ["x-api-key": tenant.key]).status == 200)

            var urls = ["\(gateway.http.baseURL)/metrics"]
            for (service, port) in ports.sorted(by: { $0.key < $1.key }) {
                let ops = HTTPTestClient(baseURL: "http://127.0.0.1:\(port)")
                #expect(try await ops.get("/healthz").status == 200, "\(service)")
                let ready = try await ops.get("/readyz")
                #expect(ready.status == 200, "\(service): \(ready.text)")
                #expect(ready.json["status"] as? String == "ready")
                let metrics = try await ops.get("/metrics")
                #expect(metrics.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(metrics.text.contains("strongbox_nats_requests_total{"), "\(service)")
                #expect(metrics.text.contains("service=\"\(service)\""), "\(service)")
                urls.append("http://127.0.0.1:\(port)/metrics")
            }
            let script = TestCluster.repositoryRoot.appendingPathComponent("Tests/sdk/check_metrics.py").path
            let parse = try ChildProcess(SDKTests.python, [script] + urls, logName: "metrics")
            #expect(await parse.waitForExit(timeout: .seconds(60)) == 0, "\(parse.output)")
            let line = try #require(parse.output.split(separator: "\n").last { $0.hasPrefix("{") }, "\(parse.output)")
            let families = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: [String]])
            #expect(families.count == 5)
            for (url, names) in families where !url.hasPrefix(gateway.http.baseURL) {
                for expected in [
                    "strongbox_nats_requests", "strongbox_nats_request_duration_seconds", "strongbox_nats_connected",
                    "strongbox_db_up",
                ] {
                    #expect(names.contains(expected), "\(url) lacks \(expected): \(names)")
                }
            }
            // The gateway's per-route HTTP series: requests and their durations, answers written
            // whole (its own /readyz, asked once above) counted and timed too.
            let gatewayNames = families["\(gateway.http.baseURL)/metrics"] ?? []
            #expect(gatewayNames.contains("hb_requests"), "\(gatewayNames)")
            #expect(gatewayNames.contains("http_server_request_duration"), "\(gatewayNames)")
            #expect(gatewayNames.contains("http_server_active_requests"), "\(gatewayNames)")
            let text = try await gateway.http.get("/metrics").text
            func readyz(_ series: String) -> Double? {
                text.split(separator: "\n").first {
                    $0.hasPrefix(series + "{") && $0.contains("http_route=\"/readyz\"")
                        && $0.contains("http_response_status_code=\"200\"")
                }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
            }
            #expect((readyz("hb_requests") ?? 0) >= 1, "\(text)")
            #expect((readyz("http_server_request_duration_count") ?? 0) >= 1, "\(text)")
        }
    }
}
