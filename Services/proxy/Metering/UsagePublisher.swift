import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Publishes one usage event per call to JetStream (`usage.events.<tenant>`, `Nats-Msg-Id` = the
/// event's id), off the calls' path: a call hands its event over and is done; this service
/// publishes the events waiting, many at once, and awaits their acks together. A batch that is not
/// full waits `linger` for more first: at low rates one publish and one wake-up for the acks per
/// batch, not per call, which kept the next call waiting. An event JetStream does
/// not take goes to the `proxy.usage_outbox` table, which ``OutboxRelay`` publishes later. On
/// shutdown it stops after the endpoints and publishes everything handed over before it ends:
/// a call is never left unmetered.
final class UsagePublisher: Service, Sendable {
    private let jetStream: JetStream
    private let database: PostgresClient
    private let logger: Logger
    private let batchSize: Int
    private let linger: Duration
    /// Unbounded: an event is never dropped here (its call is done; the outbox is the fallback).
    private let queue = AsyncQueue<UsageEvent>(capacity: .max)

    init(jetStream: JetStream, database: PostgresClient, logger: Logger, linger: Duration, batchSize: Int = 256) {
        self.jetStream = jetStream
        self.database = database
        self.logger = logger
        self.linger = linger
        self.batchSize = batchSize
    }

    /// Hands an event over; never blocks, never fails.
    func submit(_ event: UsageEvent) {
        queue.deliver(event)
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            // Until shut down and every event handed over before is published.
            while let first = await queue.next() {
                var batch = [first] + queue.take(upTo: batchSize - 1)
                if batch.count < batchSize && linger > .zero {
                    // Not cancelled by a shutdown: what comes in meanwhile goes out with this batch.
                    try? await Task.sleep(for: linger)
                    batch += queue.take(upTo: batchSize - batch.count)
                }
                await publish(batch)
            }
        } onGracefulShutdown: {
            self.queue.finish()
        }
    }

    /// Publishes a batch at once and awaits the acks together; what fails goes to the outbox.
    private func publish(_ batch: [UsageEvent]) async {
        let publications = batch.map { event in
            JetStream.Publication(
                subject: UsageSubjects.event(tenant: event.tenantId), payload: event.jsonBytes, messageID: event.id)
        }
        let acks = await jetStream.publish(publications, timeout: .seconds(2))
        let failed = zip(zip(batch, publications), acks).compactMap { pair, ack -> (UsageEvent, [UInt8], any Error)? in
            guard case .failure(let error) = ack else { return nil }
            return (pair.0, pair.1.payload, error)
        }
        guard let (_, _, error) = failed.first else { return }
        // One line a batch, not one an event: a JetStream that refuses every publish (its store
        // full, say) wrote hundreds of megabytes of the same warning in minutes.
        logger.warning(
            "usage events kept in the outbox", metadata: ["events": "\(failed.count)", "error": "\(error)"])
        await withTaskGroup(of: Void.self) { group in
            for (event, payload, _) in failed {
                group.addTask { await self.keep(event, payload: payload) }
            }
        }
    }

    /// Keeps an event JetStream did not take in the outbox.
    private func keep(_ event: UsageEvent, payload: [UInt8]) async {
        do {
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(payload))
            try await database.query(
                """
                INSERT INTO proxy.usage_outbox (id, tenant_id, event) VALUES (\(event.id), \(event.tenantId), \(json))
                ON CONFLICT (id) DO NOTHING
                """, logger: logger)
        } catch {
            logger.critical(
                "usage event lost: neither JetStream nor the outbox took it",
                metadata: ["request.id": "\(event.id)", "error": "\(String(reflecting: error))"])
        }
    }
}

/// Publishes what the outbox holds, oldest first, from any number of proxy instances at once
/// (rows are claimed with `FOR UPDATE SKIP LOCKED`).
struct OutboxRelay: Service {
    let jetStream: JetStream
    let database: PostgresClient
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if try await relayBatch() > 0 { continue }
                } catch  where Task.isCancelled {
                    return
                } catch {
                    logger.warning("outbox relay failed; retrying", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Publishes up to 100 outbox events; returns how many went out.
    func relayBatch() async throws -> Int {
        try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT id, tenant_id, event FROM proxy.usage_outbox ORDER BY created_at
                LIMIT 100 FOR UPDATE SKIP LOCKED
                """, logger: logger)
            let batch = try await rows.decode((String, UUID, JSONValue).self).collectAll()
            var sent = 0
            for (id, tenant, event) in batch {
                do {
                    try await jetStream.publish(
                        UsageSubjects.event(tenant: tenant), payload: try JSONEncoder().encode(event), messageID: id,
                        timeout: .seconds(2))
                } catch {
                    try await connection.query(
                        "UPDATE proxy.usage_outbox SET attempts = attempts + 1 WHERE id = \(id)", logger: logger)
                    break
                }
                try await connection.query("DELETE FROM proxy.usage_outbox WHERE id = \(id)", logger: logger)
                sent += 1
            }
            return sent
        }
    }
}
