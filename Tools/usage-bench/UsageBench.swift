import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// `usage-bench`: how fast a running usage service turns published usage events into committed
/// rollups. `scripts/bench-cluster.sh` starts the cluster it needs.
///
/// - Burst: `--events` events published as fast as JetStream takes them (256 in flight), timed
///   from the first publish to the moment their rollups are committed, against the time the
///   publishing alone took in the same run (the baseline: ingestion cannot be faster).
/// - Sustained: `--rate` events a second for `--seconds`; each event's lag is the time from its
///   publishing to its row being written (`usage.events.stored_at`).
///
///     usage-bench --nats-url URL --password OPERATOR_PW [--events N] [--rate N] [--seconds N]
///
/// `DATABASE_URL` (the environment) is where the rollups are counted.
@main
struct UsageBench {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String) -> String? {
            arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        }
        guard let url = option("--nats-url"), let password = option("--password") else {
            print("usage: usage-bench --nats-url URL --password OPERATOR_PW [--events N] [--rate N] [--seconds N]")
            exit(2)
        }
        let burstSize = option("--events").flatMap(Int.init) ?? 100_000
        let rate = option("--rate").flatMap(Int.init) ?? 5_000
        let seconds = option("--seconds").flatMap(Int.init) ?? 10
        var logger = Logger(label: "usage-bench")
        logger.logLevel = .error
        let connection = try await NatsConnection.connect(
            NatsConfiguration(servers: [url], user: "operator", password: password, name: "usage-bench"),
            logger: logger)
        let settings = try DatabaseSettings.from(Environment())
        let client = PostgresClient(configuration: settings.configuration, backgroundLogger: logger)
        try await client.whileRunning(logger: logger) { client in
            let bench = UsageBench(connection: connection, database: client, logger: logger)
            try await bench.burst(size: burstSize)
            try await bench.sustained(rate: rate, seconds: seconds)
        }
    }

    let connection: NatsConnection
    let database: PostgresClient
    let logger: Logger

    /// Events of a tenant of their own, spread over a few services, models, keys and hours.
    func events(_ count: Int, tenant: UUID) -> [[UInt8]] {
        let keys = (0..<4).map { _ in UUID() }
        let models = [
            ("openai", "gpt-4o-mini"), ("openai", "gpt-4o"), ("anthropic", "claude-3-5-haiku"), ("groq", "x"),
        ]
        let start = Date()
        return (0..<count).map { index in
            let (service, model) = models[index % models.count]
            return UsageEvent(
                id: "bench-\(tenant.uuidString.prefix(8))-\(index)", tenantId: tenant,
                apiKeyId: keys[index % keys.count],
                userId: nil, service: service, model: model, endpoint: "/v1/chat/completions", status: 200,
                latencyMs: 120, ttfbMs: 30, promptTokens: 200, completionTokens: 50, totalTokens: 250, cachedTokens: 0,
                estimated: false, streamed: index % 2 == 0, clientDisconnected: false,
                at: start.addingTimeInterval(Double(index % 3) * 3600)
            ).jsonBytes
        }
    }

    func publish(_ payload: [UInt8], tenant: UUID, index: Int) async throws {
        try await connection.jetStream.publish(
            UsageSubjects.event(tenant: tenant), payload: payload, messageID: "bench-\(tenant)-\(index)")
    }

    /// Events of `tenant` in committed rollups.
    func committed(_ tenant: UUID) async throws -> Int {
        let rows = try await database.query(
            "SELECT COALESCE(sum(requests), 0)::bigint FROM usage.rollups WHERE tenant_id = \(tenant)", logger: logger)
        return try await rows.decode(Int.self).collectAll().first ?? 0
    }

    func waitForCommitted(_ tenant: UUID, _ count: Int, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await committed(tenant) < count {
            guard ContinuousClock.now < deadline else { throw BenchError("events not committed within \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func burst(size: Int) async throws {
        try await connection.jetStream.ensureStream(UsageStream.config)
        // Warm up the path (the consumer's first fetch, the statements' plans).
        let warm = UUID()
        for (index, payload) in events(2_000, tenant: warm).enumerated() {
            try await publish(payload, tenant: warm, index: index)
        }
        try await waitForCommitted(warm, 2_000)

        let tenant = UUID()
        let payloads = events(size, tenant: tenant)
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<256 {
                let index = next
                next += 1
                group.addTask { try await publish(payloads[index], tenant: tenant, index: index) }
            }
            while try await group.next() != nil, next < size {
                let index = next
                next += 1
                group.addTask { try await publish(payloads[index], tenant: tenant, index: index) }
            }
            try await group.waitForAll()
        }
        let published = clock.now - start
        try await waitForCommitted(tenant, size)
        let ingested = clock.now - start
        let publishRate = Double(size) / published.seconds
        let ingestRate = Double(size) / ingested.seconds
        print(
            "Usage ingestion, burst of \(size) events (publish with ack, 256 in flight → committed rollups), release build"
        )
        print("| measure                                  | events/s | seconds | vs publishing       |")
        print("|------------------------------------------|----------|---------|---------------------|")
        print(
            String(
                format: "| publishing, JetStream acks (baseline)    | %8.0f | %7.2f | %19.2f |", publishRate,
                published.seconds, 1.0))
        print(
            String(
                format: "| end to end (publish → committed rollup)  | %8.0f | %7.2f | %19.2f |", ingestRate,
                ingested.seconds, ingestRate / publishRate))
        print()
    }

    /// The bench notes when it publishes each event; the database records when its row was
    /// written (`stored_at`, inside the batch's transaction, which commits a few ms later).
    func sustained(rate: Int, seconds: Int) async throws {
        let tenant = UUID()
        let total = rate * seconds
        let payloads = events(total, tenant: tenant)
        var published = [Double](repeating: 0, count: total)
        let clock = ContinuousClock()
        let tick = Duration.milliseconds(10)
        let perTick = max(rate / 100, 1)
        try await withThrowingDiscardingTaskGroup { group in
            var index = 0
            var deadline = clock.now
            while index < total {
                for _ in 0..<perTick where index < total {
                    let current = index
                    index += 1
                    published[current] = Date().timeIntervalSince1970
                    group.addTask { try await publish(payloads[current], tenant: tenant, index: current) }
                }
                deadline += tick
                try await Task.sleep(until: deadline, clock: clock)
            }
        }
        try await waitForCommitted(tenant, total)
        let rows = try await database.query(
            "SELECT id, extract(epoch FROM stored_at)::float8 FROM usage.events WHERE tenant_id = \(tenant)",
            logger: logger)
        var lags: [Double] = []
        for try await (id, stored) in rows.decode((String, Double).self) {
            guard let index = id.split(separator: "-").last.flatMap({ Int($0) }) else { continue }
            lags.append((stored - published[index]) * 1000)
        }
        lags.sort()
        func percentile(_ p: Double) -> Double { lags[min(Int(Double(lags.count) * p), lags.count - 1)] }
        print("Usage ingestion under a steady \(rate) events/s for \(seconds) s: publish → row written, per event")
        print("| events  | p50 lag (ms) | p99 lag (ms) | max lag (ms) |")
        print("|---------|--------------|--------------|--------------|")
        print(
            String(
                format: "| %7d | %12.1f | %12.1f | %12.1f |", lags.count, percentile(0.5), percentile(0.99),
                lags.last ?? 0))
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
