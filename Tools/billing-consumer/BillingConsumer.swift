import Contracts
import Foundation
import Logging
import Messaging

/// `billing-consumer`: an example of a billing system reading the product's usage events with a
/// durable consumer of its own on the JetStream stream `USAGE` (see docs/events.md). It keeps
/// per-tenant running totals, counts each event id once however often it is delivered, acks
/// after counting, and prints the totals as JSON lines.
///
///     NATS_PASSWORD=... billing-consumer --nats-url URL --user USER [--durable NAME] [--exit-after N]
///
/// The password comes from the environment, so it does not show in `ps`.
@main
struct BillingConsumer {
    struct Totals: Codable {
        var events = 0
        var promptTokens = 0
        var completionTokens = 0
        var totalTokens = 0
    }

    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String) -> String? {
            arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        }
        guard let url = option("--nats-url") else {
            FileHandle.standardError.write(
                Data(
                    "usage: NATS_PASSWORD=... billing-consumer --nats-url URL [--user U] [--durable NAME] [--exit-after N]\n"
                        .utf8))
            exit(2)
        }
        var logger = Logger(label: "billing-consumer")
        logger.logLevel = .warning
        let connection = try await NatsConnection.connect(
            NatsConfiguration(
                servers: [url], user: option("--user"),
                password: ProcessInfo.processInfo.environment["NATS_PASSWORD"], name: "billing-consumer"),
            logger: logger)
        let durable = option("--durable") ?? "billing-example"
        let exitAfter = option("--exit-after").flatMap(Int.init)
        let js = connection.jetStream
        // The stream is the product's (its services create it); a billing system only adds a consumer.
        try await js.ensureConsumer(
            stream: UsageStream.config.name, ConsumerConfig(durableName: durable, filterSubject: UsageSubjects.events))
        let consumer = try await js.pullConsumer(
            stream: UsageStream.config.name, durable: durable, subject: UsageSubjects.events)

        // A real billing system keeps these (and the ids it has counted) in its own database.
        var seen = Set<String>()
        var totals: [UUID: Totals] = [:]
        var duplicates = 0
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        while exitAfter.map({ seen.count < $0 }) ?? true {
            let batch = try await consumer.fetch(batch: 500, timeout: .seconds(1))
            for message in batch {
                guard let event = try? decoder.decode(UsageEvent.self, from: Data(message.payload)) else {
                    try message.term()
                    continue
                }
                if seen.insert(event.id).inserted {
                    var tenant = totals[event.tenantId] ?? Totals()
                    tenant.events += 1
                    tenant.promptTokens += event.promptTokens
                    tenant.completionTokens += event.completionTokens
                    tenant.totalTokens += event.totalTokens
                    totals[event.tenantId] = tenant
                } else {
                    duplicates += 1
                }
                try message.ack()
            }
            if !batch.isEmpty { print(report(totals, seen: seen.count, duplicates: duplicates)) }
        }
        print(report(totals, seen: seen.count, duplicates: duplicates))
        await connection.drain()
    }

    static func report(_ totals: [UUID: Totals], seen: Int, duplicates: Int) -> String {
        let body: [String: Any] = [
            "events": seen, "duplicatesIgnored": duplicates,
            "tenants": Dictionary(
                uniqueKeysWithValues: totals.map { tenant, totals in
                    (
                        tenant.uuidString.lowercased(),
                        [
                            "events": totals.events, "promptTokens": totals.promptTokens,
                            "completionTokens": totals.completionTokens, "totalTokens": totals.totalTokens,
                        ]
                    )
                }),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
