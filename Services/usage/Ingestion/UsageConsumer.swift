import Contracts
import Foundation
import Logging
import Messaging
import Metrics
import ServiceKit
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
    /// Batches being stored at once while the next one is fetched.
    let pipeline: Int
    /// How long a batch that is not full waits for more events.
    let linger: Duration
    let consumerName: String
    let logger: Logger

    func run() async throws {
        try await jetStream.ensureOwnStream(UsageStream.config, logger: logger)
        try await jetStream.ensureConsumer(
            stream: UsageStream.config.name,
            ConsumerConfig(
                durableName: consumerName, filterSubject: UsageSubjects.events, ackWait: .seconds(30),
                maxAckPending: max(20_000, batchSize * 4)))
        let consumer = try await jetStream.pullConsumer(
            stream: UsageStream.config.name, durable: consumerName, subject: UsageSubjects.events)
        logger.info("consuming usage events", metadata: ["consumer": "\(consumerName)"])
        // One fetch at a time; up to `pipeline` batches being stored while the next is fetched and
        // decoded. Each batch is its own transaction, acked after its commit.
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                var storing = 0
                while !Task.isCancelled {
                    do {
                        var messages = try await consumer.fetch(batch: batchSize, timeout: .seconds(1))
                        guard !messages.isEmpty else { continue }
                        if messages.count < batchSize && linger > .zero {
                            // Let the batch fill up on the server, then take what came in one pull
                            // (pulling while events trickle in wakes this task once per event). A
                            // shutdown meanwhile still stores what was pulled.
                            try? await Task.sleep(for: linger)
                            messages += try await consumer.fetch(
                                batch: batchSize - messages.count, timeout: .milliseconds(1))
                        }
                        let batch = decode(messages)
                        if storing == pipeline {
                            await group.next()
                            storing -= 1
                        }
                        group.addTask { await store(batch) }
                        storing += 1
                    } catch  where Task.isCancelled {
                        return
                    } catch {
                        logger.error("fetching usage events failed", metadata: ["error": "\(error)"])
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
        }
    }

    /// Priced rows and the messages they came from; unreadable messages are dropped (`term`).
    private func decode(_ messages: [JetStreamMessage]) -> (rows: [UsageStore.Row], messages: [JetStreamMessage]) {
        var rows: [UsageStore.Row] = []
        var accepted: [JetStreamMessage] = []
        rows.reserveCapacity(messages.count)
        accepted.reserveCapacity(messages.count)
        for message in messages {
            guard let decoded = UsageEvent(json: message.payload), let event = UsageStore.storable(decoded)
            else {
                logger.error(
                    "unreadable usage event dropped",
                    metadata: ["subject": "\(message.subject)", "bytes": "\(message.payload.count)"])
                try? message.term()
                continue
            }
            let cost = prices.cost(
                service: event.service, model: event.model, prompt: event.promptTokens,
                completion: event.completionTokens, cached: event.cachedTokens)
            rows.append(UsageStore.Row(event: event, cost: cost, priceVersion: cost == nil ? nil : prices.version))
            accepted.append(message)
        }
        return (rows, accepted)
    }

    /// Stores a batch and acks it. When the database is unavailable the batch is redelivered after
    /// a second; when it refuses a value, the batch is split until the one event it refuses is
    /// found and dropped (logged by id), so one bad event cannot stall everyone's usage.
    private func store(_ batch: (rows: [UsageStore.Row], messages: [JetStreamMessage])) async {
        do {
            let stored = try await store.ingest(batch.rows)
            logger.debug("stored usage batch", metadata: ["events": "\(batch.rows.count)", "new": "\(stored)"])
        } catch  where DatabaseErrors.isDataError(error) && batch.rows.count > 1 {
            let half = batch.rows.count / 2
            await store((Array(batch.rows[..<half]), Array(batch.messages[..<half])))
            await store((Array(batch.rows[half...]), Array(batch.messages[half...])))
            return
        } catch  where DatabaseErrors.isDataError(error) {
            logger.error(
                "usage event refused by the database and dropped",
                metadata: ["event": "\(batch.rows[0].event.id)", "error": "\(error)"])
            for message in batch.messages { try? message.term() }
            return
        } catch {
            logger.error(
                "storing a usage batch failed; it will be redelivered",
                metadata: ["events": "\(batch.rows.count)", "error": "\(error)"])
            for message in batch.messages { try? message.nak(delay: .seconds(1)) }
            return
        }
        // Committed: an ack that does not arrive means a redelivery, which the id check absorbs.
        for message in batch.messages { try? message.ack() }
        if let last = batch.messages.last?.metadata {
            Self.events.increment(by: batch.messages.count)
            Self.pending.record(last.pending)
            let age = Date().timeIntervalSince1970 - Double(last.timestamp) / 1e9
            Self.lag.record(max(0, age))
        }
    }

    /// Events committed; events the stream holds that the consumer has not delivered yet; and
    /// how long the newest committed event waited in the stream (publish → commit).
    private static let events = Counter(label: "strongbox_usage_events_stored_total")
    private static let pending = Gauge(label: "strongbox_usage_consumer_pending")
    private static let lag = Gauge(label: "strongbox_usage_consumer_lag_seconds")
}
