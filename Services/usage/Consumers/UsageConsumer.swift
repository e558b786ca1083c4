import Contracts
import Foundation
import Logging
import Messaging
import ServiceLifecycle

/// Reads usage events from the JetStream stream `USAGE` through a durable pull consumer that all
/// usage instances share, prices them, stores each batch in one transaction (an event id seen
/// before changes nothing), and acks only after the commit: a crash redelivers what was not
/// committed, and redelivery double-counts nothing.
struct UsageConsumer: Service {
    let jetStream: JetStream
    let store: UsageStore
    let prices: PriceTable
    let batchSize: Int
    let consumerName: String
    let logger: Logger

    func run() async throws {
        try await jetStream.ensureStream(UsageStream.config)
        try await jetStream.ensureConsumer(
            stream: UsageStream.config.name,
            ConsumerConfig(
                durableName: consumerName, filterSubject: UsageSubjects.events, ackWait: .seconds(30),
                maxAckPending: max(20_000, batchSize * 4)))
        let consumer = try await jetStream.pullConsumer(
            stream: UsageStream.config.name, durable: consumerName, subject: UsageSubjects.events)
        logger.info("consuming usage events", metadata: ["consumer": "\(consumerName)"])
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let messages = try await consumer.fetch(batch: batchSize, timeout: .seconds(1))
                    if !messages.isEmpty { try await handle(messages) }
                } catch  where Task.isCancelled {
                    return
                } catch {
                    logger.error("usage batch failed; it will be redelivered", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    private func handle(_ messages: [JetStreamMessage]) async throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var rows: [UsageStore.Row] = []
        var accepted: [JetStreamMessage] = []
        for message in messages {
            guard let event = try? decoder.decode(UsageEvent.self, from: Data(message.payload)) else {
                logger.error(
                    "unreadable usage event dropped",
                    metadata: ["subject": "\(message.subject)", "bytes": "\(message.payload.count)"])
                try? message.term()
                continue
            }
            let cost = prices.cost(
                service: event.service, model: event.model, prompt: event.promptTokens,
                completion: event.completionTokens,
                cached: event.cachedTokens)
            rows.append(UsageStore.Row(event: event, cost: cost, priceVersion: cost == nil ? nil : prices.version))
            accepted.append(message)
        }
        do {
            try await store.ingest(rows)
        } catch {
            for message in accepted { try? message.nak(delay: .seconds(1)) }
            throw error
        }
        for message in accepted { try message.ack() }
        logger.info("stored usage batch", metadata: ["events": "\(rows.count)"])
    }
}
