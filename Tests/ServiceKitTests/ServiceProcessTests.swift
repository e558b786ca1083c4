import Foundation
import Messaging
import Synchronization
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("Service processes")
struct ServiceProcessTests {
    @Test(
        "bad or missing configuration stops a service at boot with one line naming the variable",
        arguments: [
            ("vault", ["CRED_ENCRYPT_KEY": ""], "vault: configuration error: CRED_ENCRYPT_KEY is missing"),
            (
                "vault", ["CRED_ENCRYPT_KEY": "not-a-key-but-secret-looking"],
                "vault: configuration error: CRED_ENCRYPT_KEY must be exactly 64 hexadecimal characters (a 256-bit key)"
            ),
            (
                "gateway", ["SERVER_PORT": "http"],
                "gateway: configuration error: SERVER_PORT must be an integer from 0 to 65535, got \"http\""
            ),
            (
                "gateway", ["ADMIN_API_KEY": "short"],
                "gateway: configuration error: ADMIN_API_KEY must be at least 32 characters"
            ),
            ("proxy", ["DATABASE_URL": ""], "proxy: configuration error: DATABASE_URL is missing"),
            (
                "usage", ["LOG_FORMAT": "xml"],
                "usage: configuration error: LOG_FORMAT must be one of text, json, got \"xml\""
            ),
            (
                "content", ["NATS_URL": "localhost:4222"],
                "content: configuration error: NATS_URL must list nats:// or tls:// URLs, got \"localhost:4222\""
            ),
        ])
    func badConfiguration(service: String, overrides: [String: String], line: String) async throws {
        // Nothing listens at these addresses: a service must stop before it tries to connect.
        let environment = TestCluster.environment(
            for: service, natsURL: "nats://127.0.0.1:9", databaseURL: "postgres://nobody@127.0.0.1:9/none")
        let process = try TestCluster.launch(service, environment: environment.merging(overrides) { $1 })
        let status = await process.waitForExit(timeout: .seconds(10))
        #expect(status == 78)
        let output = process.output.split(separator: "\n")
        #expect(output == [Substring(line)])
        #expect(!process.output.contains("not-a-key-but-secret-looking"), "a bad secret is never echoed")
    }

    @Test("the five services start, answer $SRV.PING, make the gateway ready, and stop cleanly on SIGTERM")
    func wholeCluster() async throws {
        let cluster = try await TestCluster.start()
        var processes: [String: ChildProcess] = [:]
        for service in TestCluster.services {
            processes[service] = try cluster.launch(service, gatewayPort: 0)
        }
        let operatorConnection = try await cluster.connect(as: "operator")

        var names: Set<String> = []
        let deadline = ContinuousClock.now + .seconds(30)
        while names.count < 5 && ContinuousClock.now < deadline {
            let replies = try await operatorConnection.collectReplies("$SRV.PING", window: .milliseconds(300))
            names = Set(replies.compactMap { try? JSONDecoder().decode(Ping.self, from: Data($0.payload)).name })
        }
        #expect(names == Set(TestCluster.services), "output: \(processes.mapValues(\.output))")

        let port = try await listeningPort(of: try #require(processes["gateway"]))
        let (status, body) = try await get("http://127.0.0.1:\(port)/readyz")
        #expect(status == 200, "\(body)")
        #expect(body.contains(#""status":"ready""#))

        for (service, process) in processes {
            let exit = await process.stop(signal: SIGTERM, timeout: .seconds(15))
            #expect(exit == 0, "\(service) exited with \(String(describing: exit)): \(process.output)")
        }
    }

    @Test("an instance stopped by SIGTERM finishes its in-flight requests; its peer takes the rest; none fail")
    func sigtermLosesNothing() async throws {
        let cluster = try await TestCluster.start()
        let first = try cluster.launch("vault")
        let second = try cluster.launch("vault")
        let client = try await cluster.connect(as: "gateway")
        try await waitForInstances("vault", count: 2, via: try await cluster.connect(as: "operator"))

        let load = Load()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    while !load.stopped {
                        do {
                            _ = try await client.request("vault.health", timeout: .seconds(5))
                            load.succeeded()
                        } catch {
                            load.failed(error)
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(500))
            let exit = await first.stop(signal: SIGTERM, timeout: .seconds(15))
            #expect(exit == 0, "\(first.output)")
            // The load goes on against the peer alone (for 50 answers; on a busy machine that may
            // take longer than on a quiet one).
            let atStop = load.successes
            let deadline = ContinuousClock.now + .seconds(10)
            while load.successes < atStop + 50 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            load.stop()
            try await group.waitForAll()
            #expect(load.successes >= atStop + 50, "the peer answered once the first instance was gone")
        }
        #expect(load.failures == [])
        #expect(second.isRunning)
        await second.stop()
    }

    @Test("subject permissions are enforced: only the proxy may ask the vault to release a key")
    func permissions() async throws {
        let cluster = try await TestCluster.start()
        let vault = try await cluster.connect(as: "vault")
        let releases = try vault.subscribe("vault.credentials.resolve", queue: "vault")
        try await vault.flush()
        async let served: Int = {
            var count = 0
            for await message in releases {
                try? vault.reply(to: message, payload: Array("released".utf8))
                count += 1
            }
            return count
        }()

        let proxy = try await cluster.connect(as: "proxy")
        #expect(try await proxy.request("vault.credentials.resolve", timeout: .seconds(2)).string == "released")

        let gateway = try await cluster.connect(as: "gateway")
        let refused = await #expect(throws: NatsError.self) {
            try await gateway.request("vault.credentials.resolve", timeout: .milliseconds(500))
        }
        #expect(refused?.code == .timeout)
        #expect(
            gateway.lastAsyncError?.contains("Permissions Violation for Publish to \"vault.credentials.resolve\"")
                == true)

        // Nor may the gateway listen in on the vault's subjects.
        _ = try gateway.subscribe("vault.>")
        try? await gateway.flush()
        try await Task.sleep(for: .milliseconds(100))
        #expect(gateway.lastAsyncError?.contains("Permissions Violation for Subscription to \"vault.>\"") == true)

        try releases.unsubscribe()
        #expect(await served == 1, "the vault saw the proxy's request only")
    }
}

/// Counts the outcomes of a request loop.
final class Load: Sendable {
    private let state = Mutex<(successes: Int, failures: [String], stopped: Bool)>((0, [], false))

    var stopped: Bool { state.withLock { $0.stopped } }
    var successes: Int { state.withLock { $0.successes } }
    var failures: [String] { state.withLock { $0.failures } }

    func succeeded() { state.withLock { $0.successes += 1 } }
    func failed(_ error: any Error) { state.withLock { $0.failures.append("\(error)") } }
    func stop() { state.withLock { $0.stopped = true } }
}

/// The port a gateway started with `SERVER_PORT=0` reports in its log.
func listeningPort(of gateway: ChildProcess) async throws -> Int {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
        if let line = gateway.output.split(separator: "\n").first(where: { $0.contains("gateway listening") }),
            let range = line.range(of: "url=http://127.0.0.1:"),
            let port = Int(line[range.upperBound...].prefix { $0.isNumber })
        {
            return port
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestInfrastructureError("the gateway never said where it listens: \(gateway.output)")
}

struct Ping: Decodable {
    var name: String
    var id: String
}

/// Waits until `count` instances of `service` answer `$SRV.PING.<service>`.
func waitForInstances(_ service: String, count: Int, via connection: NatsConnection) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
        let replies = try await connection.collectReplies("$SRV.PING.\(service)", window: .milliseconds(200))
        if replies.count >= count { return }
    }
    throw TestInfrastructureError("\(count) instances of \(service) never answered")
}

func get(_ url: String) async throws -> (Int, String) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}
