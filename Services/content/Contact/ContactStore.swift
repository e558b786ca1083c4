import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// Contact messages in `content.contact_messages`, every query scoped by tenant.
struct ContactStore: Sendable {
    let client: PostgresClient
    let forms: PublicForms
    let logger: Logger

    static let columns = "id, name, email, subject, message, category, metadata, status, created_at, updated_at"

    /// Stores a message if the address has submissions left this minute (429 otherwise).
    func insert(_ message: ContactMessage, tenant: UUID, address: String) async throws {
        try await client.transaction(logger: logger) { connection in
            try await forms.admit(tenant: tenant, address: address, connection)
            _ = try await connection.query(
                """
                INSERT INTO content.contact_messages
                    (id, tenant_id, name, email, subject, message, category, metadata, client_address, created_at,
                     updated_at)
                VALUES (\(message.id), \(tenant), \(message.name), \(message.email), \(message.subject),
                    \(message.message), \(message.category), \(message.metadata), \(address), \(message.createdAt),
                    \(message.createdAt))
                """, logger: logger)
        }
    }

    func list(tenant: UUID, status: ContactStatus?, category: String?, page: PageQuery) async throws
        -> Page<ContactMessage>
    {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM content.contact_messages
            WHERE tenant_id = \(tenant)
              AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
              AND (\(category)::text IS NULL OR category = \(category))
              AND (\(page.after)::uuid IS NULL OR id < \(page.after))
            ORDER BY id DESC LIMIT \(page.limit + 1)
            """, logger: logger)
        return page.page(try await Self.decode(rows), id: \.id)
    }

    func get(tenant: UUID, id: UUID) async throws -> ContactMessage {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns) FROM content.contact_messages WHERE tenant_id = \(tenant) AND id = \(id)",
            logger: logger)
        guard let message = try await Self.decode(rows).first else { throw ServiceError.notFound("no such message") }
        return message
    }

    /// Moves the message forward in its workflow (409 for a step back).
    func setStatus(tenant: UUID, id: UUID, _ status: ContactStatus) async throws -> ContactMessage {
        let current = try await get(tenant: tenant, id: id)
        guard status >= current.status else {
            throw ServiceError.conflict(
                "a message goes new → read → replied → archived; this one is \(current.status.rawValue) already")
        }
        let rows = try await client.query(
            """
            UPDATE content.contact_messages SET status = \(status.rawValue), updated_at = now()
            WHERE tenant_id = \(tenant) AND id = \(id) AND status = \(current.status.rawValue)
            RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        guard let updated = try await Self.decode(rows).first else {
            throw ServiceError.conflict("the message changed meanwhile; read it again")
        }
        return updated
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [ContactMessage] {
        var messages: [ContactMessage] = []
        for try await (id, name, email, subject, message, category, metadata, status, created, updated) in rows.decode(
            (UUID, String, String, String?, String, String?, JSONValue?, String, Date, Date).self)
        {
            messages.append(
                ContactMessage(
                    id: id, name: name, email: email, subject: subject, message: message, category: category,
                    metadata: metadata, status: ContactStatus(rawValue: status) ?? .new, createdAt: created,
                    updatedAt: updated))
        }
        return messages
    }
}
