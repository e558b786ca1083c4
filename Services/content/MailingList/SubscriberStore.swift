import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// Subscribers in `content.subscribers`, every query scoped by tenant.
struct SubscriberStore: Sendable {
    let client: PostgresClient
    let forms: PublicForms
    let logger: Logger

    static let columns =
        "id, email, status, source, metadata, created_at, confirmed_at, unsubscribed_at, updated_at"

    /// Puts the address in `pending` with a fresh confirmation nonce (new, pending or
    /// unsubscribed addresses); returns its id and nonce, or nil when it is subscribed already.
    func subscribe(tenant: UUID, _ body: Subscription, email: String, address: String) async throws
        -> (id: UUID, nonce: String)?
    {
        let nonce = ListTokens.nonce()
        let source = try PublicForms.optionalText(body.source, "source", maximum: 100)
        let metadata = try PublicForms.metadata(body.metadata)
        return try await client.transaction(logger: logger) { connection in
            try await forms.admit(tenant: tenant, address: address, connection)
            let rows = try await connection.query(
                """
                INSERT INTO content.subscribers (id, tenant_id, email, status, source, metadata, confirm_nonce)
                VALUES (\(UUID.v7()), \(tenant), \(email), 'pending', \(source), \(metadata), \(nonce))
                ON CONFLICT (tenant_id, email) DO UPDATE SET status = 'pending',
                    confirm_nonce = EXCLUDED.confirm_nonce,
                    source = COALESCE(EXCLUDED.source, content.subscribers.source),
                    metadata = COALESCE(EXCLUDED.metadata, content.subscribers.metadata), updated_at = now()
                WHERE content.subscribers.status <> 'subscribed'
                RETURNING id
                """, logger: logger)
            return try await rows.decode(UUID.self).collectAll().first.map { ($0, nonce) }
        }
    }

    /// Confirms a pending subscriber whose nonce matches; true when it is subscribed afterwards
    /// by this token (a second click changes nothing and is fine).
    func confirm(tenant: UUID, id: UUID, nonce: String) async throws -> Bool {
        let rows = try await client.query(
            """
            UPDATE content.subscribers SET
                status = 'subscribed',
                confirmed_at = CASE WHEN status = 'pending' THEN now() ELSE confirmed_at END,
                unsubscribed_at = NULL,
                updated_at = now()
            WHERE tenant_id = \(tenant) AND id = \(id) AND confirm_nonce = \(nonce)
              AND status IN ('pending', 'subscribed')
            RETURNING id
            """, logger: logger)
        return try await !rows.decode(UUID.self).collectAll().isEmpty
    }

    /// Unsubscribes; false when there is no such subscriber.
    func unsubscribe(tenant: UUID, id: UUID) async throws -> Bool {
        let rows = try await client.query(
            """
            UPDATE content.subscribers SET
                status = 'unsubscribed',
                unsubscribed_at = CASE WHEN status <> 'unsubscribed' THEN now() ELSE unsubscribed_at END,
                updated_at = now()
            WHERE tenant_id = \(tenant) AND id = \(id)
            RETURNING id
            """, logger: logger)
        return try await !rows.decode(UUID.self).collectAll().isEmpty
    }

    /// Oldest first, by id.
    func list(tenant: UUID, status: SubscriberStatus?, page: PageQuery) async throws -> Page<Subscriber> {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM content.subscribers
            WHERE tenant_id = \(tenant) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
              AND (\(page.after)::uuid IS NULL OR id > \(page.after))
            ORDER BY id LIMIT \(page.limit + 1)
            """, logger: logger)
        return page.page(try await Self.decode(rows), id: \.id)
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [Subscriber] {
        var subscribers: [Subscriber] = []
        for try await (id, email, status, source, metadata, created, confirmed, unsubscribed, updated) in rows.decode(
            (UUID, String, String, String?, JSONValue?, Date, Date?, Date?, Date).self)
        {
            subscribers.append(
                Subscriber(
                    id: id, email: email, status: SubscriberStatus(rawValue: status) ?? .pending, source: source,
                    metadata: metadata, createdAt: created, confirmedAt: confirmed, unsubscribedAt: unsubscribed,
                    updatedAt: updated))
        }
        return subscribers
    }
}
