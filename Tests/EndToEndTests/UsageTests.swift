import Contracts
import Foundation
import Messaging
import PostgresNIO
import TestSupport
import Testing

/// Usage events as the proxy publishes them, for the usage service's tests.
struct UsageFeed: Sendable {
    let connection: NatsConnection

    static func event(
        _ id: String, tenant: String, service: String = "openai", model: String? = "gpt-4o-mini", key: UUID? = nil,
        status: Int = 200, prompt: Int = 100, completion: Int = 20, cached: Int = 0,
        at: Date = Date(timeIntervalSince1970: 1_795_000_000)
    ) -> UsageEvent {
        UsageEvent(
            id: id, tenantId: UUID(uuidString: tenant)!, apiKeyId: key, userId: nil, service: service, model: model,
            endpoint: "/v1/chat/completions", status: status, latencyMs: 40, ttfbMs: 10, promptTokens: prompt,
            completionTokens: completion, totalTokens: prompt + completion, cachedTokens: cached, estimated: false,
            streamed: false, clientDisconnected: false, at: at)
    }

    /// Publishes with `Nats-Msg-Id` = `messageID` (default the event id), `concurrency` at a time.
    func publish(_ events: [UsageEvent], messageID: (UsageEvent) -> String = { $0.id }, concurrency: Int = 64)
        async throws
    {
        try await connection.jetStream.ensureStream(UsageStream.config)
        let ids = events.map(messageID)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for start in stride(from: 0, to: events.count, by: concurrency) {
                for index in start..<min(start + concurrency, events.count) {
                    let event = events[index]
                    let id = ids[index]
                    group.addTask {
                        try await connection.jetStream.publish(
                            UsageSubjects.event(tenant: event.tenantId), payload: event.jsonBytes, messageID: id)
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}

extension TestGateway {
    func count(_ sql: String) async throws -> Int {
        let rows = try await database.query(PostgresQuery(unsafeSQL: sql))
        for try await value in rows.decode(Int.self) { return value }
        return -1
    }

    /// Waits until `sql` counts `expected` (looking every 100 ms, `timeout` / 100 ms times: counted,
    /// so a machine that stalls for a while does not use the wait up); returns the last count.
    func waitForCount(_ sql: String, _ expected: Int, timeout: Duration = .seconds(30)) async throws -> Int {
        var count = -1
        for _ in 0..<max(1, Int(timeout / .milliseconds(100))) {
            count = (try? await self.count(sql)) ?? -1
            if count == expected { return count }
            try await Task.sleep(for: .milliseconds(100))
        }
        return count
    }
}

@Suite("Usage metering")
struct UsageTests {
    static let pricesV1 = """
        {"version": "test-1", "models": {
          "openai/gpt-4o-mini": {"input": 0.15, "output": 0.60, "cachedInput": 0.075},
          "anthropic/claude-3-5-haiku": {"input": 0.80, "output": 4.00}}}
        """
    static let pricesV2 = """
        {"version": "test-2", "models": {"openai/gpt-4o-mini": {"input": 1.0, "output": 2.0}}}
        """

    static func pricesFile(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID()).json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("duplicates and out-of-order events yield one row each and correct rollups; queries and filters")
    func idempotentIngestAndQueries() async throws {
        try await TestGateway.run { gateway in
            let usage = try await gateway.launch(
                "usage", overrides: ["USAGE_PRICES_FILE": try Self.pricesFile(Self.pricesV1)])
            let tenant = try await gateway.createTenant()
            let other = try await gateway.createTenant("Other")
            let feed = UsageFeed(connection: try await gateway.cluster.connect(as: "operator"))
            let key = UUID()
            let base = Date(timeIntervalSince1970: 1_795_000_000)
            var events: [UsageEvent] = []
            for index in 0..<30 {
                events.append(
                    UsageFeed.event(
                        "call-\(index)", tenant: tenant.id, service: index % 3 == 0 ? "anthropic" : "openai",
                        model: index % 3 == 0 ? "claude-3-5-haiku-20241022" : "gpt-4o-mini",
                        key: index < 10 ? key : nil,
                        status: index == 29 ? 502 : 200, prompt: 1_000_000, completion: 1_000_000, cached: 0,
                        at: base.addingTimeInterval(Double(index) * 600)))
            }
            events.append(UsageFeed.event("mystery", tenant: tenant.id, model: "model-without-price", at: base))
            events.append(UsageFeed.event("elsewhere", tenant: other.id, at: base))
            // Nine more of the other tenant at the very same instant (pages must not skip or repeat ties),
            // one of them with what a client or a provider could put in it: a NUL, a huge name and count.
            for index in 0..<9 { events.append(UsageFeed.event("tie-\(index)", tenant: other.id, at: base)) }
            events[events.count - 1].model = "bad\u{0}model" + String(repeating: "x", count: 5_000)
            events[events.count - 1].promptTokens = 3_000_000_000
            // Out of order, and every event twice: once more beyond JetStream's dedupe (another message id).
            try await feed.publish(events.reversed())
            try await feed.publish(Array(events.prefix(10)), messageID: { "again-\($0.id)" })
            #expect(try await gateway.waitForCount("SELECT count(*) FROM usage.events", 41) == 41)
            #expect(try await gateway.waitForCount("SELECT sum(requests)::int FROM usage.rollups", 41) == 41)
            #expect(
                try await gateway.count(
                    "SELECT count(*) FROM usage.events WHERE id = 'tie-8' AND prompt_tokens = 3000000000 AND length(model) = 256"
                ) == 1, "stored within the columns' limits, not refused")

            let admin = ["x-api-key": tenant.key]
            let summary = try await gateway.http.get("/usage/summary?groupBy=service", headers: admin)
            #expect(summary.status == 200, "\(summary.text)")
            let items = summary.json["items"] as? [[String: Any]] ?? []
            let byService = Dictionary(uniqueKeysWithValues: items.map { ($0["key"] as! String, $0) })
            #expect(byService["anthropic"]?["requests"] as? Int == 10)
            #expect(byService["openai"]?["requests"] as? Int == 21)
            // gpt-4o-mini: 1M in × 0.15 + 1M out × 0.60 = 750,000 µUSD; claude (a dated name) 4,800,000.
            #expect(byService["anthropic"]?["costMicroUsd"] as? Int == 10 * 4_800_000)
            #expect(byService["openai"]?["costMicroUsd"] as? Int == 20 * 750_000, "the unpriced model adds nothing")
            #expect(byService["openai"]?["unpricedRequests"] as? Int == 1)
            #expect(summary.json["priceVersion"] as? String == "test-1")
            #expect(
                (summary.json["totals"] as? [String: Any])?["requests"] as? Int == 31,
                "the other tenant's event is not here")

            let byKey = try await gateway.http.get("/usage/summary?groupBy=apiKey", headers: admin)
            let keyItems = byKey.json["items"] as? [[String: Any]] ?? []
            #expect(keyItems.first { $0["key"] as? String == key.uuidString.lowercased() }?["requests"] as? Int == 10)
            let byDay = try await gateway.http.get("/usage/summary?groupBy=day", headers: admin)
            #expect((byDay.json["items"] as? [[String: Any]])?.first?["key"] as? String == "2026-11-18")

            let mystery = try await gateway.http.get("/usage?model=model-without-price", headers: admin)
            let row = try #require(mystery.jsonArray.first)
            #expect(row["costMicroUsd"] is NSNull, "unknown models are recorded with cost unknown (null), never 0")
            #expect(row["priceVersion"] is NSNull)

            // Pagination, newest first; filters.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await gateway.http.get(
                    "/usage?limit=7&service=openai" + (cursor.map { "&cursor=\($0)" } ?? ""), headers: admin)
                #expect(page.status == 200)
                seen += page.jsonArray.compactMap { ($0["event"] as? [String: Any])?["id"] as? String }
                cursor = page.json["nextCursor"] as? String
                if cursor == nil { #expect(page.json["nextCursor"] is NSNull, "null on the last page, not absent") }
            } while cursor != nil
            #expect(seen.count == 21)
            #expect(Set(seen).count == 21)
            #expect(seen.first == "call-29")
            let keyed = try await gateway.http.get("/usage?apiKeyId=\(key.uuidString)", headers: admin)
            #expect(keyed.jsonArray.count == 10)
            let window = try await gateway.http.get(
                "/usage?from=\(Self.iso(base.addingTimeInterval(600)))&to=\(Self.iso(base.addingTimeInterval(1800)))",
                headers: admin)
            #expect(window.jsonArray.count == 2)
            var ties: [String] = []
            cursor = nil
            repeat {
                let page = try await gateway.http.get(
                    "/usage?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), headers: ["x-api-key": other.key])
                ties += page.jsonArray.compactMap { ($0["event"] as? [String: Any])?["id"] as? String }
                cursor = page.json["nextCursor"] as? String
            } while cursor != nil
            #expect(ties.count == 10 && Set(ties).count == 10, "\(ties)")

            let csv = try await gateway.http.get("/usage/export.csv", headers: admin)
            #expect(csv.status == 200)
            #expect(csv.header("content-type")?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.count == 32, "a header and 31 events")
            #expect(lines.first?.hasPrefix("id,request_id,at,service") == true)

            let proxyKey = try await gateway.createKey("proxy", adminKey: tenant.key).key
            let refused = try await gateway.http.get("/proxy/stats", headers: ["x-api-key": proxyKey])
            #expect(refused.status == 403, "the key embedded in apps does not read the tenant's figures")
            let stats = try await gateway.http.get("/proxy/stats", headers: admin)
            #expect(stats.json["totalRequests"] as? Int == 31)
            #expect(stats.json["failedRequests"] as? Int == 1)
            #expect(stats.json["totalTokens"] as? Int == 30 * 2_000_000 + 120)
            #expect(
                ((stats.json["byService"] as? [String: Any])?["anthropic"] as? [String: Any])?["totalRequests"] as? Int
                    == 10)

            for (path, problem) in [
                ("/analytics/tokens?days=0", "`days`"), ("/analytics/tokens?days=366", "`days`"),
                ("/usage?from=2026-11-02&to=2026-11-01", "`from`"), ("/usage/summary?groupBy=week", "`groupBy`"),
                ("/usage?from=yesterday", "`from`"), ("/usage?limit=0", "`limit`"),
                ("/usage?cursor=nonsense", "`cursor`"),
                ("/usage?apiKeyId=42", "`apiKeyId`"), ("/usage?model=a%00b", "NUL"),
                ("/usage?cursor=dTE6LTEwMDAwMDAwMDAwMDAwMDAwMDA6eA", "`cursor`"),
            ] {
                let response = try await gateway.http.get(path, headers: admin)
                #expect(response.status == 400, "\(path): \(response.text)")
                #expect((response.json["detail"] as? String)?.contains(problem) == true, "\(path): \(response.text)")
            }
            await usage.stop()
        }
    }

    @Test("analytics: the original shape, every day of the range, zeros included")
    func analytics() async throws {
        try await TestGateway.run { gateway in
            let usage = try await gateway.launch("usage")
            let tenant = try await gateway.createTenant()
            let feed = UsageFeed(connection: try await gateway.cluster.connect(as: "operator"))
            let now = Date()
            try await feed.publish([
                UsageFeed.event("today-1", tenant: tenant.id, prompt: 10, completion: 5, at: now),
                UsageFeed.event(
                    "today-2", tenant: tenant.id, service: "groq", model: "llama-3.1-8b-instant", prompt: 1,
                    completion: 1, at: now),
                UsageFeed.event("long-ago", tenant: tenant.id, at: now.addingTimeInterval(-40 * 86_400)),
            ])
            #expect(try await gateway.waitForCount("SELECT count(*) FROM usage.events", 3) == 3)
            let response = try await gateway.http.get("/analytics/tokens?days=7", headers: ["x-api-key": tenant.key])
            #expect(response.status == 200)
            let summary = try #require(response.json["summary"] as? [String: Any])
            #expect(summary["totalTokens"] as? Int == 17)
            #expect((summary["timeframe"] as? [String: Any])?["days"] as? Int == 7)
            #expect(summary["estimatedCost"] is Double || summary["estimatedCost"] is Int)
            let days = try #require(response.json["byDay"] as? [[String: Any]])
            #expect(days.count == 7)
            #expect(days.last?["totalTokens"] as? Int == 17)
            #expect(days.dropLast().allSatisfy { $0["totalTokens"] as? Int == 0 })
            let byService = try #require(response.json["byService"] as? [String: [String: Any]])
            #expect(byService["groq"]?["requestCount"] as? Int == 1)
            #expect(byService["openai"]?["models"] as? [String] == ["gpt-4o-mini"])
            let byModel = try #require(response.json["byModel"] as? [[String: Any]])
            #expect(byModel.map { $0["model"] as? String } == ["groq/llama-3.1-8b-instant", "openai/gpt-4o-mini"])
            await usage.stop()
        }
    }

    @Test("a new price version prices new events; old events keep the cost and version they had")
    func priceVersions() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let feed = UsageFeed(connection: try await gateway.cluster.connect(as: "operator"))
            let first = try await gateway.launch(
                "usage", overrides: ["USAGE_PRICES_FILE": try Self.pricesFile(Self.pricesV1)])
            try await feed.publish([UsageFeed.event("old", tenant: tenant.id, prompt: 1_000_000, completion: 1_000_000)]
            )
            #expect(try await gateway.waitForCount("SELECT count(*) FROM usage.events", 1) == 1)
            #expect(await first.stop() == 0)
            let second = try await gateway.launch(
                "usage", overrides: ["USAGE_PRICES_FILE": try Self.pricesFile(Self.pricesV2)])
            try await feed.publish([
                UsageFeed.event("new", tenant: tenant.id, prompt: 1_000_000, completion: 1_000_000, cached: 500_000)
            ])
            #expect(try await gateway.waitForCount("SELECT count(*) FROM usage.events", 2) == 2)
            let page = try await gateway.http.get("/usage", headers: ["x-api-key": tenant.key])
            let rows = Dictionary(
                uniqueKeysWithValues: page.jsonArray.map { (($0["event"] as! [String: Any])["id"] as! String, $0) })
            #expect(rows["old"]?["costMicroUsd"] as? Int == 750_000)
            #expect(rows["old"]?["priceVersion"] as? String == "test-1")
            // test-2 has no cached price: cached tokens cost the input price, 1M × 1.0 + 1M × 2.0.
            #expect(rows["new"]?["costMicroUsd"] as? Int == 3_000_000)
            #expect(rows["new"]?["priceVersion"] as? String == "test-2")
            await second.stop()
        }
    }

    @Test("SIGKILL in the middle of 10,000 events: after a restart none is lost and none counted twice")
    func crashLosesNothing() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let feed = UsageFeed(connection: try await gateway.cluster.connect(as: "operator"))
            let events = (0..<10_000).map {
                UsageFeed.event("burst-\($0)", tenant: tenant.id, prompt: 3, completion: 2)
            }
            // The service's consumer made here first, with an ack wait of 3 s (the service keeps a
            // consumer it finds): what the killed instance had fetched comes again after 3 s, not 30.
            let jetStream = feed.connection.jetStream
            try await jetStream.ensureStream(UsageStream.config)
            try await jetStream.ensureConsumer(
                stream: UsageStream.config.name,
                ConsumerConfig(durableName: "usage-service", filterSubject: UsageSubjects.events, ackWait: .seconds(3)))
            let usage = try await gateway.launch("usage", overrides: ["USAGE_BATCH_SIZE": "250"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await feed.publish(events) }
                // Kill it once part of the burst is stored: about a second alone, but with the whole
                // suite running, a minute was once not enough (the deadline only stops a wait that
                // would never end).
                let deadline = ContinuousClock.now + .seconds(300)
                while try await gateway.count("SELECT count(*) FROM usage.events") < 2_000
                    && ContinuousClock.now < deadline
                {
                    try await Task.sleep(for: .milliseconds(20))
                }
                await usage.kill()
                try await group.waitForAll()
            }
            let stored = try await gateway.count("SELECT count(*) FROM usage.events")
            #expect(stored >= 2_000 && stored < 10_000, "killed mid-burst (\(stored) stored)")
            try usage.restart()
            // What the killed instance had fetched comes again after the consumer's ack wait.
            #expect(
                try await gateway.waitForCount("SELECT count(*) FROM usage.events", 10_000, timeout: .seconds(300))
                    == 10_000)
            #expect(try await gateway.waitForCount("SELECT sum(requests)::int FROM usage.rollups", 10_000) == 10_000)
            #expect(try await gateway.count("SELECT sum(total_tokens)::int FROM usage.rollups") == 50_000)
            // The export pages through all of them (500 a page), each once.
            let csv = try await gateway.http.get("/usage/export.csv", headers: ["x-api-key": tenant.key])
            let ids = csv.text.split(separator: "\r\n").dropFirst().map { $0.prefix { $0 != "," } }
            #expect(ids.count == 10_000 && Set(ids).count == 10_000)
            await usage.stop()
        }
    }

    @Test("two usage instances share the work")
    func twoInstances() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let first = try await gateway.launch("usage", overrides: ["USAGE_BATCH_SIZE": "50", "LOG_LEVEL": "debug"])
            let second = try await gateway.launch(
                "usage", overrides: ["USAGE_BATCH_SIZE": "50", "LOG_LEVEL": "debug"], instances: 2)
            let feed = UsageFeed(connection: try await gateway.cluster.connect(as: "operator"))
            try await feed.publish((0..<3_000).map { UsageFeed.event("shared-\($0)", tenant: tenant.id) })
            #expect(try await gateway.waitForCount("SELECT sum(requests)::int FROM usage.rollups", 3_000) == 3_000)
            #expect(try await gateway.count("SELECT count(*) FROM usage.events") == 3_000)
            #expect(first.output.contains("stored usage batch"), "the first instance stored batches")
            #expect(second.output.contains("stored usage batch"), "the second instance stored batches")
            await first.stop()
            await second.stop()
        }
    }

    @Test("a billing consumer of its own sees every event once by id")
    func billingConsumer() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            let other = try await gateway.createTenant("Other")
            let feed = UsageFeed(connection: try await gateway.cluster.connect(as: "operator"))
            let events = (0..<200).map {
                UsageFeed.event("bill-\($0)", tenant: $0 % 4 == 0 ? other.id : tenant.id, prompt: 7, completion: 3)
            }
            try await feed.publish(events)
            try await feed.publish(Array(events.prefix(25)), messageID: { "replay-\($0.id)" })
            let consumer = try ChildProcess(
                try Executables.product("billing-consumer"),
                [
                    "--nats-url", gateway.cluster.nats.url, "--user", "billing", "--exit-after", "200",
                ], environment: ["NATS_PASSWORD": TestCluster.natsPasswords["billing"]!], logName: "billing")
            #expect(await consumer.waitForExit(timeout: .seconds(60)) == 0, "\(consumer.output)")
            let last = try #require(consumer.output.split(separator: "\n").last)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
            #expect(report["events"] as? Int == 200)
            let tenants = try #require(report["tenants"] as? [String: [String: Int]])
            #expect(tenants[tenant.id.lowercased()]?["events"] == 150)
            #expect(tenants[other.id.lowercased()]?["events"] == 50)
            #expect(tenants[tenant.id.lowercased()]?["totalTokens"] == 1_500)
        }
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }
}
