import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Publishes one usage event per call to JetStream (`usage.events.<tenant>`, `Nats-Msg-Id` = the
/// request id). When JetStream cannot take it, the event goes to the `proxy.usage_outbox` table,
/// and ``OutboxRelay`` publishes it later: a call is never left unmetered.
struct UsagePublisher: Sendable {
    let jetStream: JetStream
    let database: PostgresClient
    let logger: Logger

    func publish(_ event: UsageEvent) async {
        let payload: Data
        do {
            payload = try Self.encoder.encode(event)
        } catch {
            logger.error("usage event not encodable", metadata: ["request.id": "\(event.id)"])
            return
        }
        do {
            try await jetStream.publish(
                UsageSubjects.event(tenant: event.tenantId), payload: payload, messageID: event.id,
                timeout: .seconds(2))
        } catch {
            logger.warning(
                "usage event kept in the outbox", metadata: ["request.id": "\(event.id)", "error": "\(error)"])
            do {
                let json = try JSONDecoder().decode(JSONValue.self, from: payload)
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

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
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
