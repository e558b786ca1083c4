import Foundation
import Logging
import ProviderStandIn
import Synchronization
import TestSupport
import Testing

/// Counts the answers a load of proxy calls got.
final class LoadTally: Sendable {
    private let state = Mutex<(ok: Int, failed: [String], running: Bool)>((0, [], true))

    var running: Bool { state.withLock { $0.running } }
    var ok: Int { state.withLock { $0.ok } }
    var failed: [String] { state.withLock { $0.failed } }

    func record(_ response: HTTPTestClient.Response?, error: (any Error)? = nil) {
        state.withLock { state in
            if let response, response.status == 200 {
                state.ok += 1
            } else {
                state.failed.append(
                    response.map { "\($0.status) \($0.text.prefix(200))" } ?? "\(error.map { "\($0)" } ?? "")")
            }
        }
    }

    func stop() { state.withLock { $0.running = false } }
}

@Suite("Rolling restarts")
struct RolloutTests {
    static var chat: [String: Any] { ["model": "gpt-4o-mini", "messages": [["role": "user", "content": "Hi"]]] }

    @Test(
        "two of every service: restarting each proxy in turn under load fails no request; without any proxy, fast 503s, then recovery"
    )
    func rollingRestart() async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await StandInProvider(log: StandInLog(), chunkDelay: .milliseconds(1)).run(
                    logger: Logger(label: "stand-in")
                ) { continuation.yield($0) }
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let standIn = "http://127.0.0.1:\(port)"
            try await TestGateway.run(instances: 2) { gateway in
                let allowed = ["PROXY_ALLOWED_BASE_URLS": standIn]
                for service in ["vault", "proxy", "content", "usage"] {
                    _ = try await gateway.launch(service, overrides: allowed, instances: 1)
                    _ = try await gateway.launch(service, overrides: allowed, instances: 2)
                }
                let tenant = try await gateway.createTenant()
                let auth = ["x-api-key": tenant.key]
                let stored = try await gateway.http.post(
                    "/credentials", json: ["service": "openai", "key": "sk-rollout", "meta": ["baseUrl": standIn]],
                    headers: auth)
                #expect(stored.status == 201)

                // A steady load through both gateways while each proxy instance is replaced in turn.
                let tally = LoadTally()
                let load = Task {
                    await withTaskGroup(of: Void.self) { workers in
                        for worker in 0..<8 {
                            workers.addTask {
                                let http = gateway.instances[worker % 2]
                                while tally.running {
                                    do {
                                        tally.record(
                                            try await http.post("/v1/chat/completions", json: Self.chat, headers: auth))
                                    } catch {
                                        tally.record(nil, error: error)
                                    }
                                }
                            }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(500))
                let proxies = gateway.launched.processes.withLock { $0 }.filter { $0.executable.hasSuffix("/proxy") }
                #expect(proxies.count == 2)
                for (index, proxy) in proxies.enumerated() {
                    let before = tally.ok
                    #expect(await proxy.stop() == 0, "the proxy stops cleanly on SIGTERM")
                    _ = try await gateway.launch("proxy", overrides: allowed, instances: 2)
                    #expect(tally.ok > before, "calls went through while proxy \(index + 1) was replaced")
                    #expect(tally.failed.isEmpty, "after restarting proxy \(index + 1): \(tally.failed.prefix(3))")
                }
                // And through the new instances, however busy the machine is.
                let afterRestarts = tally.ok
                let deadline = ContinuousClock.now + .seconds(10)
                while tally.ok < afterRestarts + 20 && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                tally.stop()
                await load.value
                #expect(tally.failed.isEmpty, "\(tally.failed.count) failed: \(tally.failed.prefix(5))")
                #expect(tally.ok >= afterRestarts + 20, "the load ran on: \(tally.ok) calls")

                // No proxy at all: every gateway answers 503 at once instead of hanging; then recovery.
                for proxy in gateway.launched.processes.withLock({ $0 }) where proxy.executable.hasSuffix("/proxy") {
                    await proxy.kill()
                }
                for http in gateway.instances {
                    let started = ContinuousClock.now
                    let refused = try await http.post("/v1/chat/completions", json: Self.chat, headers: auth)
                    #expect(refused.status == 503, "\(refused.text)")
                    #expect(ContinuousClock.now - started < .seconds(5), "a fast answer, not the proxy timeout")
                }
                _ = try await gateway.launch("proxy", overrides: allowed, instances: 1)
                for http in gateway.instances {
                    #expect(try await http.post("/v1/chat/completions", json: Self.chat, headers: auth).status == 200)
                }
            }
            group.cancelAll()
        }
    }
}
