import Contracts
import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ServiceKit

/// Tenants in `gateway.tenants`.
struct TenantRepository: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// Creates a tenant and its first admin API key together.
    func create(name: String, slug: String, modules: [Module], firstKey: NewAPIKey) async throws -> Tenant {
        let id = UUID.v7()
        let moduleNames = modules.map(\.rawValue)
        do {
            return try await client.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    INSERT INTO gateway.tenants (id, name, slug, modules) VALUES (\(id), \(name), \(slug), \(moduleNames))
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger)
                let tenant = try await Self.decode(rows).first!
                try await APIKeyRepository.insert(firstKey, tenant: id, on: connection, logger: logger)
                return tenant
            }
        } catch {
            throw Self.conflict(error) ?? error
        }
    }

    func list(_ page: PageRequest) async throws -> Page<Tenant> {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM gateway.tenants
            WHERE deleting_since IS NULL AND (\(page.after)::uuid IS NULL OR id > \(page.after))
            ORDER BY id LIMIT \(page.limit + 1)
            """, logger: logger)
        return page.page(try await Self.decode(rows), id: \.id)
    }

    func get(_ id: UUID) async throws -> Tenant? {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns) FROM gateway.tenants WHERE id = \(id) AND deleting_since IS NULL",
            logger: logger)
        return try await Self.decode(rows).first
    }

    func find(slug: String) async throws -> Tenant? {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns) FROM gateway.tenants WHERE slug = \(slug) AND deleting_since IS NULL",
            logger: logger)
        return try await Self.decode(rows).first
    }

    func update(_ id: UUID, name: String?, modules: [Module]?) async throws -> Tenant? {
        let moduleNames = modules?.map(\.rawValue)
        do {
            let rows = try await client.query(
                """
                UPDATE gateway.tenants
                SET name = COALESCE(\(name), name), modules = COALESCE(\(moduleNames), modules), updated_at = now()
                WHERE id = \(id) AND deleting_since IS NULL
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            return try await Self.decode(rows).first
        } catch {
            throw Self.conflict(error) ?? error
        }
    }

    /// Marks the tenant as being deleted (its keys stop working); false if there is no such tenant.
    func markDeleting(_ id: UUID) async throws -> Bool {
        let rows = try await client.query(
            """
            UPDATE gateway.tenants SET deleting_since = COALESCE(deleting_since, now())
            WHERE id = \(id) RETURNING id
            """, logger: logger)
        return try await rows.decode(UUID.self).collectAll().count == 1
    }

    /// Removes the tenant and, by cascade, its keys, users and sessions.
    func delete(_ id: UUID) async throws {
        try await client.query("DELETE FROM gateway.tenants WHERE id = \(id)", logger: logger)
    }

    /// Revokes the tenant's admin keys and stores a new one; returns the revoked keys' ids.
    func regenerateAdminKey(_ id: UUID, newKey: NewAPIKey) async throws -> [UUID]? {
        try await client.withTransaction(logger: logger) { connection in
            let exists = try await connection.query(
                "SELECT id FROM gateway.tenants WHERE id = \(id) AND deleting_since IS NULL FOR UPDATE", logger: logger)
            guard try await exists.decode(UUID.self).collectAll().count == 1 else { return nil }
            let revoked = try await connection.query(
                """
                UPDATE gateway.api_keys SET revoked_at = now()
                WHERE tenant_id = \(id) AND role = 'admin' AND revoked_at IS NULL RETURNING id
                """, logger: logger)
            let ids = try await revoked.decode(UUID.self).collectAll()
            try await APIKeyRepository.insert(newKey, tenant: id, on: connection, logger: logger)
            return ids
        }
    }

    // MARK: - Rows

    private static let columns = "id, name, slug, modules, created_at, updated_at"

    private static func decode(_ rows: PostgresRowSequence) async throws -> [Tenant] {
        var tenants: [Tenant] = []
        for try await (id, name, slug, modules, createdAt, updatedAt) in rows.decode(
            (UUID, String, String, [String], Date, Date).self)
        {
            tenants.append(
                Tenant(
                    id: id, name: name, slug: slug, modules: modules.compactMap(Module.init(rawValue:)),
                    createdAt: createdAt, updatedAt: updatedAt))
        }
        return tenants
    }

    private static func conflict(_ error: any Error) -> Problem? {
        switch DatabaseErrors.uniqueViolation(error) {
        case "tenants_name_key": Problem(.conflict, "a tenant with this name already exists", kind: "conflict")
        case "tenants_slug_key": Problem(.conflict, "a tenant with this slug already exists", kind: "conflict")
        default: nil
        }
    }
}
