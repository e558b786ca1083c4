import Contracts
import Foundation
import Messaging
import PostgresNIO
import ProviderStandIn
import Synchronization
import TestSupport
import Testing

/// Faults of the engines underneath: a NATS node lost (the gateways', a proxy's), a proxy killed
/// mid-call, a stream leader lost, PostgreSQL restarted.
@Suite("Infrastructure faults")
struct FaultTests {
    /// One call as the client saw it.
    struct Call: Sendable {
        var status: Int
        var seconds: Double
        var requestID: String?
        /// Started after the killed node was back.
        var afterRestart: Bool
    }

    /// Calls that waited on a provider, recorded as they end, timed from the loss of their proxy.
    final class Hung: Sendable {
        private let state = Mutex<(killedAt: ContinuousClock.Instant?, ended: [(status: Int, seconds: Double)])>(
            (nil, []))

        var results: [(status: Int, seconds: Double)] { state.withLock { $0.ended } }

        func killed() { state.withLock { $0.killedAt = .now } }

        func record(_ status: Int) {
            state.withLock { state in
                let since = ContinuousClock.now - (state.killedAt ?? .now)
                state.ended.append((status, since.seconds))
            }
        }
    }

    /// Calls of several clients, recorded as they end.
    final class Load: Sendable {
        let calls = Mutex<[Call]>([])
        let stopped = Atomic<Bool>(false)
        let restarted = Atomic<Bool>(false)

        var count: Int { calls.withLock { $0.count } }

        /// Successful calls in a row, counted back from the last, among those started after the restart.
        var answeredSinceRestart: Int {
            calls.withLock { calls in
                calls.filter(\.afterRestart).reversed().prefix { $0.status == 200 }.count
            }
        }

        /// Waits until `condition` holds, looking every 50 ms, `limit` times (counted: a stalled
        /// machine does not use the wait up).
        func wait(_ what: String, limit: Int = 1200, until condition: () -> Bool) async throws {
            for _ in 0..<limit {
                if condition() { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("waited too long for \(what)")
            throw CancellationError()
        }
    }

    /// A call to a provider that never answers.
    static var hang: [String: Any] {
        ["model": "openai/hang", "messages": [["role": "user", "content": "wait"]]]
    }

    static var chat: [String: Any] {
        ["model": "openai/gpt-4o-mini", "messages": [["role": "user", "content": "still there?"]]]
    }

    @Test(
        "a NATS node killed under load and restarted: every call answers 200 or a fast 503 (none past 5 s), calls succeed again after the reconnect, every call answered 200 has exactly one stored usage event, and every key release is audited once"
    )
    func natsNodeLost() async throws {
        try await ProxyHarness.run(gateways: 2, proxies: 2, natsNodes: 3, chunkDelay: .milliseconds(1)) { harness in
            let connectedURL = try #require(harness.gateway.natsConnections[0].connectedURL)
            let victim = try #require(
                harness.gateway.cluster.natsServers.first { connectedURL.hasSuffix(":\($0.port)") },
                "the node of \(connectedURL)")
            try await Self.underLoad(harness) {
                await victim.stop(abruptly: true)
            } recover: {
                try await victim.restart()
            }
        }
    }

    @Test(
        "the NATS node of a proxy killed under load and restarted: 200s or fast 503s, none past 5 s, every call answered 200 metered once, every key release audited once; then the proxy killed with calls in flight: they fail with a 503 within seconds (its heartbeats stopped)"
    )
    func proxyNodeLost() async throws {
        try await ProxyHarness.run(
            gateways: 2, proxies: 2, natsNodes: 3, proxyNodes: [1, 2], chunkDelay: .milliseconds(1)
        ) { harness in
            let victim = harness.gateway.cluster.natsServers[1]
            try await Self.underLoad(harness) {
                await victim.stop(abruptly: true)
            } recover: {
                try await victim.restart()
            }

            // Calls to a provider that never answers, spread over both proxies (whose heartbeats
            // keep the gateways waiting), and the first proxy killed (SIGKILL) while it holds some:
            // nothing tells a gateway, but its heartbeats stop, so those calls fail with a 503 within
            // seconds (without heartbeats they would wait for GATEWAY_PROXY_TIMEOUT_MS); the second
            // proxy's go on waiting. (A node lost does not lose these calls: a proxy reconnects to
            // another node and what it sent meanwhile goes out then.)
            let gateways = harness.gateway.instances
            let ended = Hung()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        let response = try await gateways[index % 2].post(
                            "/v1/chat/completions", json: Self.hang, headers: harness.auth)
                        ended.record(response.status)
                    }
                }
                var waited = 0
                while harness.standIn.requests.filter({ $0.json["model"] as? String == "hang" }).count < 12 {
                    try await Task.sleep(for: .milliseconds(50))
                    waited += 1
                    try #require(waited < 600, "the stand-in got every hanging call")
                }
                try await Task.sleep(for: .seconds(4))
                #expect(ended.results.isEmpty, "the heartbeats kept every call open past the 3 s of silence")
                ended.killed()
                await harness.proxy.kill()
                for _ in 0..<200 where ended.results.isEmpty {  // counted: 10 s at most when idle
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await Task.sleep(for: .milliseconds(500))  // the others of that proxy end together
                group.cancelAll()
            }
            let results = ended.results
            #expect(!results.isEmpty, "the calls the lost proxy held ended")
            #expect(results.allSatisfy { $0.status == 503 }, "\(results)")
            #expect(results.allSatisfy { $0.seconds < 5 }, "within seconds of the loss: \(results)")
        }
    }

    @Test(
        "the USAGE stream's leader stopped with events in flight (a JetStream leader change) and started again: none lost, none stored twice, calls answer 200 or a fast 503, every key release audited once"
    )
    func usageLeaderChange() async throws {
        try await ProxyHarness.run(gateways: 2, proxies: 2, natsNodes: 3, chunkDelay: .milliseconds(1)) { harness in
            let operatorConnection = try await harness.gateway.cluster.connect(as: "operator")
            // The leader moved to the first node, the gateways' (no service is connected there:
            // TestCluster.servicesNatsURL): each step-down elects another replica at random.
            var node = try await Self.usageLeader(operatorConnection)
            for _ in 0..<100 where node != 0 {
                if node != nil {
                    _ = try? await operatorConnection.request(
                        "$JS.API.STREAM.LEADER.STEPDOWN.USAGE", timeout: .seconds(5))
                }
                try await Task.sleep(for: .milliseconds(100))
                node = try await Self.usageLeader(operatorConnection)
            }
            try #require(node == 0, "the USAGE stream is led by the first node")
            let victim = harness.gateway.cluster.natsServers[0]
            try await Self.underLoad(harness) {
                await victim.stop()
            } recover: {
                try await victim.restart()
            }
            let after = try await Self.usageLeader(operatorConnection)
            #expect(after != nil && after != 0, "another node leads the stream now")
            await operatorConnection.close()
        }
    }

    /// The index of the node leading the `USAGE` stream (servers are named `n-<index>`); nil
    /// while it has no leader.
    static func usageLeader(_ connection: NatsConnection) async throws -> Int? {
        let info = try await connection.request("$JS.API.STREAM.INFO.USAGE", timeout: .seconds(5))
        let cluster = (try JSONSerialization.jsonObject(with: Data(info.payload)) as? [String: Any])?["cluster"]
        let leader = (cluster as? [String: Any])?["leader"] as? String
        return leader?.split(separator: "-").last.flatMap { Int($0) }
    }

    /// Runs model calls from four clients through every gateway; `fault` breaks something once 40
    /// calls are done, `recover` repairs it once 40 more are, and the load stops when 40 calls in a
    /// row succeeded after that. Then checks what a client, billing and an auditor must
    /// see: only 200s and fast 503s, no call past 5 s, every answered call metered once, nothing
    /// twice, every key release audited.
    static func underLoad(
        _ harness: ProxyHarness, fault: @Sendable () async throws -> Void, recover: @Sendable () async throws -> Void
    ) async throws {
        try await harness.store("openai", key: "sk-provider-openai-secret")
        let gateways = harness.gateway.instances
        // Warm: leases taken, routes known, and each gateway trusting the proxies' heartbeats (20
        // answers in a row that announced them: HeartbeatTrust).
        for gateway in gateways {
            for _ in 0..<20 {
                let warm = try await gateway.post("/v1/chat/completions", json: Self.chat, headers: harness.auth)
                #expect(warm.status == 200, "\(warm.text)")
            }
        }
        let load = Load()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    var index = client
                    while !load.stopped.load(ordering: .relaxed) {
                        let afterRestart = load.restarted.load(ordering: .relaxed)
                        let started = ContinuousClock.now
                        let response = try? await gateways[index % gateways.count].post(
                            "/v1/chat/completions", json: Self.chat, headers: harness.auth)
                        let elapsed = ContinuousClock.now - started
                        let call = Call(
                            status: response?.status ?? 0,
                            seconds: elapsed.seconds,
                            requestID: response?.header("x-request-id"), afterRestart: afterRestart)
                        load.calls.withLock { $0.append(call) }
                        index += 1
                        if call.status != 200 { try await Task.sleep(for: .milliseconds(20)) }
                    }
                }
            }
            try await load.wait("calls before the fault") { load.count >= 40 }
            try await fault()
            let atFault = load.count
            try await load.wait("calls during the fault") { load.count >= atFault + 40 }
            try await recover()
            load.restarted.store(true, ordering: .relaxed)
            try await load.wait("calls answered again after the repair") { load.answeredSinceRestart >= 40 }
            load.stopped.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }

        let calls = load.calls.withLock { $0 }
        let statuses = Dictionary(grouping: calls, by: \.status).mapValues(\.count)
        #expect(Set(statuses.keys).isSubset(of: [200, 503]), "only answers or fast 503s: \(statuses)")
        let slowest = calls.map(\.seconds).max() ?? 0
        #expect(slowest < 5, "no call hung: the slowest took \(slowest) s")

        // Every call answered 200 was metered exactly once (a call whose answer was lost on the
        // way back may be metered too: the provider served it), and nothing twice.
        let answered = calls.filter { $0.status == 200 }.compactMap(\.requestID)
        #expect(answered.count == statuses[200], "every answer has a request id")
        let ids = answered.map { "'\($0)'" }.joined(separator: ",")
        let meteredOnce = try await harness.gateway.waitForCount(
            "SELECT count(*)::int FROM (SELECT request_id FROM usage.events WHERE request_id IN (\(ids)) GROUP BY request_id HAVING count(*) = 1) AS once",
            answered.count, timeout: .seconds(60))
        #expect(meteredOnce == answered.count, "each answered call has exactly one event (\(statuses))")
        let twice = try await harness.gateway.count(
            "SELECT count(*)::int FROM (SELECT request_id FROM usage.events GROUP BY request_id HAVING count(*) > 1) AS twice"
        )
        #expect(twice == 0, "no call was metered twice")
        try await expectEveryReleaseAudited(harness)
    }

    /// Every record in `AUDIT` (each message holds a batch of them).
    static func auditRecords(_ consumer: PullConsumer) async throws -> [CredentialReleased] {
        var records: [CredentialReleased] = []
        while true {
            let messages = try await consumer.fetch(batch: 100, timeout: .seconds(1))
            if messages.isEmpty { return records }
            for message in messages {
                records += try JSONDecoder.iso.decode(CredentialReleaseBatch.self, from: Data(message.payload)).records
            }
        }
    }

    /// Every release the vault answered has its record in the `AUDIT` stream, once: as many records
    /// as releases that succeeded, at most as many as were asked for (a release whose record was
    /// stored but whose answer was lost is audited though it failed), no record id twice.
    static func expectEveryReleaseAudited(_ harness: ProxyHarness) async throws {
        let auditor = try await harness.gateway.cluster.connect(as: "operator")
        var asked = 0
        var answered = 0
        for reply in try await auditor.collectReplies("$SRV.STATS.vault", window: .milliseconds(300)) {
            let stats = try JSONSerialization.jsonObject(with: Data(reply.payload)) as? [String: Any]
            let endpoints = stats?["endpoints"] as? [[String: Any]] ?? []
            let resolve = endpoints.first { $0["name"] as? String == "credentials.resolve" }
            let requests = resolve?["num_requests"] as? Int ?? 0
            asked += requests
            answered += requests - (resolve?["num_errors"] as? Int ?? 0)
        }
        #expect(answered > 0, "the vault released keys")
        // Right after a node came back JetStream's API may take a few seconds to answer: ask again.
        var consumer: PullConsumer?
        for attempt in 1...10 where consumer == nil {
            do {
                try await auditor.jetStream.ensureConsumer(
                    stream: "AUDIT", ConsumerConfig(durableName: "fault-auditor"))
                consumer = try await auditor.jetStream.pullConsumer(
                    stream: "AUDIT", durable: "fault-auditor", subject: "audit.>")
            } catch let error as NatsError where error.code == .timeout && attempt < 10 {
                continue
            }
        }
        let records = try await Self.auditRecords(try #require(consumer))
        #expect(Set(records.map(\.id)).count == records.count, "no release audited twice")
        #expect(
            records.count >= answered && records.count <= asked,
            "\(records.count) audit records for \(answered) releases answered (\(asked) asked)")
        await auditor.close()
    }

    @Test(
        "JetStream refuses the usage events (the USAGE stream gone): calls still answer 200, each event waits in the proxy's outbox with one warning a batch (not one an event), and once the stream is back every one is published and stored once"
    )
    func usageEventsWaitInTheOutbox() async throws {
        try await ProxyHarness.run(chunkDelay: .milliseconds(1)) { harness in
            try await harness.store("openai", key: "sk-provider-openai-secret")
            let http = harness.http
            let warm = try await http.post("/v1/chat/completions", json: Self.chat, headers: harness.auth)
            #expect(warm.status == 200, "\(warm.text)")
            #expect(try await harness.gateway.waitForCount("SELECT count(*)::int FROM usage.events", 1) == 1)

            let operatorConnection = try await harness.gateway.cluster.connect(as: "operator")
            try await operatorConnection.jetStream.deleteStream(UsageStream.config.name)
            let calls = 24
            let answers = try await withThrowingTaskGroup(of: (status: Int, id: String).self) { group in
                for _ in 0..<calls {
                    group.addTask {
                        let call = try await http.post("/v1/chat/completions", json: Self.chat, headers: harness.auth)
                        return (call.status, call.header("x-request-id") ?? "")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == 200 }, "calls go on without JetStream: \(answers.map(\.status))")
            #expect(
                try await harness.gateway.waitForCount("SELECT count(*)::int FROM proxy.usage_outbox", calls) == calls,
                "every event JetStream refused is in the outbox")
            // One line a batch, saying how many events it kept: together exactly the calls'.
            let warnings = harness.proxy.output.split(separator: "\n").filter {
                $0.contains("usage events kept in the outbox")
            }
            let kept = warnings.compactMap { line in
                line.firstMatch(of: /events=(\d+)/).flatMap { Int($0.1) }
            }
            #expect(kept.count == warnings.count && kept.reduce(0, +) == calls, "\(warnings)")
            #expect(!harness.proxy.output.contains("usage event lost"))

            // The stream back (the usage service makes it again at its start, and its consumer with it).
            await harness.usageService.stop()
            try harness.usageService.restart()
            let ids = ([warm.header("x-request-id") ?? ""] + answers.map(\.id)).map { "'\($0)'" }
            let stored = try await harness.gateway.waitForCount(
                "SELECT count(*)::int FROM usage.events WHERE request_id IN (\(ids.joined(separator: ",")))",
                calls + 1, timeout: .seconds(60))
            #expect(stored == calls + 1, "the outbox's events were published and stored")
            #expect(try await harness.gateway.waitForCount("SELECT count(*)::int FROM proxy.usage_outbox", 0) == 0)
            #expect(try await harness.gateway.count("SELECT count(*)::int FROM usage.events") == calls + 1)
        }
    }

    @Test(
        "PostgreSQL stopped under load and started again: proxy calls keep succeeding (warm leases; usage events wait in JetStream), content answers a fast 503, /readyz says so; afterwards the pools reconnect, every waiting event is stored once and /readyz is ready"
    )
    func postgresRestarted() async throws {
        try await ProxyHarness.run(ownPostgres: true, chunkDelay: .milliseconds(1)) { harness in
            _ = try await harness.gateway.launch("content")
            try await harness.store("openai", key: "sk-provider-openai-secret")
            let http = harness.http
            var requestIDs: [String] = []
            for _ in 0..<3 {  // warm: the lease, the key, the routes and limits the proxy reads
                let warm = try await http.post("/v1/chat/completions", json: Self.chat, headers: harness.auth)
                #expect(warm.status == 200, "\(warm.text)")
                requestIDs.append(warm.header("x-request-id") ?? "")
            }
            #expect(try await http.get("/content-types", headers: harness.auth).status == 200)
            #expect(try await http.get("/readyz").status == 200)

            try await harness.gateway.cluster.postgres.stop()

            var ready = try await http.get("/readyz")
            #expect(ready.status == 503 && ready.json["database"] as? String != "ok", "\(ready.text)")
            let started = ContinuousClock.now
            let content = try await http.get("/content-types", headers: harness.auth)
            #expect(content.status == 503, "\(content.text)")
            #expect(ContinuousClock.now - started < .seconds(5), "content failed fast")
            var statuses: [Int: Int] = [:]
            var failures: [String] = []
            for _ in 0..<30 {
                let call = try await http.post("/v1/chat/completions", json: Self.chat, headers: harness.auth)
                statuses[call.status, default: 0] += 1
                if call.status == 200 {
                    requestIDs.append(call.header("x-request-id") ?? "")
                } else {
                    failures.append(call.text)
                }
            }
            #expect(statuses == [200: 30], "proxy calls succeed while PostgreSQL is down: \(statuses) \(failures)")

            try await harness.gateway.cluster.postgres.start()
            for _ in 0..<600 {  // counted: 30 s at most on an idle machine
                ready = try await http.get("/readyz")
                if ready.status == 200 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(ready.status == 200, "the pools reconnected by themselves: \(ready.text)")
            #expect(try await http.get("/content-types", headers: harness.auth).status == 200)
            let ids = requestIDs.map { "'\($0)'" }.joined(separator: ",")
            let stored = try await harness.gateway.waitForCount(
                "SELECT count(DISTINCT request_id)::int FROM usage.events WHERE request_id IN (\(ids))",
                requestIDs.count, timeout: .seconds(60))
            #expect(stored == requestIDs.count, "every event that waited in JetStream is stored")
            #expect(try await harness.gateway.count("SELECT count(*)::int FROM usage.events") == requestIDs.count)
        }
    }
}
