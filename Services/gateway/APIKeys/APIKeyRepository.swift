import Contracts
import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ServiceKit

/// A key about to be stored: the plaintext leaves with the response, only its hash stays.
struct NewAPIKey: Sendable {
    let id = UUID.v7()
    var name: String
    var role: KeyRole
    let plaintext: String

    init(name: String, role: KeyRole) {
        self.name = name
        self.role = role
        plaintext = Secrets.token(prefix: "tnnt_", length: 40)
    }

    /// `tnnt_` and the first 8 random characters: enough to recognise a key, not to use it.
    var prefix: String { String(plaintext.prefix(13)) }
}

/// A stored key as the API lists it (never the key itself).
struct APIKey: Codable, Sendable, Equatable {
    var id: UUID
    var name: String
    var role: KeyRole
    var prefix: String
    var createdAt: Date
}

/// A key found by its hash, with the tenant it belongs to.
struct ResolvedKey: Sendable {
    var id: UUID
    var role: KeyRole
    var tenant: Principal.TenantRef
}

/// Tenant API keys in `gateway.api_keys`.
struct APIKeyRepository: Sendable {
    let client: PostgresClient
    let logger: Logger

    func create(_ key: NewAPIKey, tenant: UUID) async throws -> APIKey {
        try await client.withConnection { connection in
            try await Self.insert(key, tenant: tenant, on: connection, logger: logger)
        }
    }

    @discardableResult
    static func insert(_ key: NewAPIKey, tenant: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> APIKey
    {
        let hash = Secrets.sha256(key.plaintext)
        let rows = try await connection.query(
            """
            INSERT INTO gateway.api_keys (id, tenant_id, name, role, prefix, key_hash)
            VALUES (\(key.id), \(tenant), \(key.name), \(key.role.rawValue), \(key.prefix), \(hash))
            RETURNING \(unescaped: columns)
            """, logger: logger)
        return try await decode(rows).first!
    }

    func list(tenant: UUID, _ page: PageRequest) async throws -> Page<APIKey> {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM gateway.api_keys
            WHERE tenant_id = \(tenant) AND revoked_at IS NULL AND (\(page.after)::uuid IS NULL OR id > \(page.after))
            ORDER BY id LIMIT \(page.limit + 1)
            """, logger: logger)
        return page.page(try await Self.decode(rows), id: \.id)
    }

    /// Whether `tenant` has this key, not revoked.
    func isActive(_ id: UUID, tenant: UUID) async throws -> Bool {
        let rows = try await client.query(
            """
            SELECT id FROM gateway.api_keys WHERE id = \(id) AND tenant_id = \(tenant) AND revoked_at IS NULL
            """, logger: logger)
        return try await rows.decode(UUID.self).collectAll().count == 1
    }

    /// Revokes a key of `tenant`; false when the tenant has no such active key.
    func revoke(_ id: UUID, tenant: UUID) async throws -> Bool {
        let rows = try await client.query(
            """
            UPDATE gateway.api_keys SET revoked_at = now()
            WHERE id = \(id) AND tenant_id = \(tenant) AND revoked_at IS NULL RETURNING id
            """, logger: logger)
        return try await rows.decode(UUID.self).collectAll().count == 1
    }

    /// The active key with this hash, if its tenant is active too.
    func resolve(hash: String) async throws -> ResolvedKey? {
        let rows = try await client.query(
            """
            SELECT k.id, k.role, t.id, t.slug, t.modules
            FROM gateway.api_keys k JOIN gateway.tenants t ON t.id = k.tenant_id
            WHERE k.key_hash = \(hash) AND k.revoked_at IS NULL AND t.deleting_since IS NULL
            """, logger: logger)
        for try await (id, role, tenantID, slug, modules) in rows.decode((UUID, String, UUID, String, [String]).self) {
            guard let role = KeyRole(rawValue: role) else { return nil }
            return ResolvedKey(
                id: id, role: role,
                tenant: .init(id: tenantID, slug: slug, modules: modules.compactMap(Module.init(rawValue:))))
        }
        return nil
    }

    private static let columns = "id, name, role, prefix, created_at"

    private static func decode(_ rows: PostgresRowSequence) async throws -> [APIKey] {
        var keys: [APIKey] = []
        for try await (id, name, role, prefix, createdAt) in rows.decode((UUID, String, String, String, Date).self) {
            keys.append(
                APIKey(
                    id: id, name: name, role: KeyRole(rawValue: role) ?? .readonly, prefix: prefix, createdAt: createdAt
                ))
        }
        return keys
    }
}
