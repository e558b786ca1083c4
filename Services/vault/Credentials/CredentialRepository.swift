import Contracts
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceKit

/// Credentials in `vault.credentials`; every query is scoped by tenant.
struct CredentialRepository: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// Inserts, or replaces the key and meta of the tenant's credential with the same service and
    /// name. `seal` encrypts for the row id it is given (a new id, or the existing row's).
    func upsert(
        tenant: UUID, service: String, name: String, preview: String, meta: [String: JSONValue],
        seal: @Sendable (UUID) throws -> [UInt8]
    ) async throws -> (credential: StoredCredential, created: Bool) {
        try await client.withTransaction(logger: logger) { connection in
            let existing = try await connection.query(
                """
                SELECT id FROM vault.credentials WHERE tenant_id = \(tenant) AND service = \(service) AND name = \(name)
                FOR UPDATE
                """, logger: logger)
            let existingID = try await existing.decode(UUID.self).collectAll().first
            let id = existingID ?? UUID.v7()
            let sealed = try seal(id)
            let rows = try await connection.query(
                """
                INSERT INTO vault.credentials (id, tenant_id, service, name, ciphertext, key_version, key_preview, meta)
                VALUES (\(id), \(tenant), \(service), \(name), \(ByteBuffer(bytes: sealed)),
                        \(CredentialCipher.version(of: sealed) ?? 0), \(preview), \(JSONValue.object(meta)))
                ON CONFLICT (id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, key_version = EXCLUDED.key_version,
                    key_preview = EXCLUDED.key_preview, meta = EXCLUDED.meta, updated_at = now()
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            return (try await Self.decode(rows).first!, existingID == nil)
        }
    }

    func get(_ id: UUID, tenant: UUID) async throws -> StoredCredential? {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns) FROM vault.credentials WHERE id = \(id) AND tenant_id = \(tenant)",
            logger: logger)
        return try await Self.decode(rows).first
    }

    func find(tenant: UUID, service: String, name: String) async throws -> StoredCredential? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM vault.credentials
            WHERE tenant_id = \(tenant) AND service = \(service) AND name = \(name)
            """, logger: logger)
        return try await Self.decode(rows).first
    }

    func list(tenant: UUID, service: String?, after: UUID?, limit: Int) async throws -> [StoredCredential] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM vault.credentials
            WHERE tenant_id = \(tenant) AND (\(service)::text IS NULL OR service = \(service))
              AND (\(after)::uuid IS NULL OR id > \(after))
            ORDER BY id LIMIT \(limit)
            """, logger: logger)
        return try await Self.decode(rows)
    }

    /// Replaces the key (re-sealed by `seal` when given) and/or the meta of a credential.
    func update(
        _ id: UUID, tenant: UUID, preview: String?, meta: [String: JSONValue]?,
        seal: (@Sendable (StoredCredential) throws -> [UInt8])?
    ) async throws -> StoredCredential? {
        try await client.withTransaction(logger: logger) { connection in
            let current = try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM vault.credentials WHERE id = \(id) AND tenant_id = \(tenant) FOR UPDATE",
                logger: logger)
            guard let credential = try await Self.decode(current).first else { return nil }
            let sealed = try seal.map { try $0(credential) }
            let rows = try await connection.query(
                """
                UPDATE vault.credentials SET
                    ciphertext = COALESCE(\(sealed.map { ByteBuffer(bytes: $0) }), ciphertext),
                    key_version = COALESCE(\(sealed.flatMap(CredentialCipher.version(of:))), key_version),
                    key_preview = COALESCE(\(preview), key_preview),
                    meta = COALESCE(\(meta.map(JSONValue.object)), meta),
                    updated_at = now()
                WHERE id = \(id)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            return try await Self.decode(rows).first
        }
    }

    func delete(_ id: UUID, tenant: UUID) async throws -> StoredCredential? {
        let rows = try await client.query(
            "DELETE FROM vault.credentials WHERE id = \(id) AND tenant_id = \(tenant) RETURNING \(unescaped: Self.columns)",
            logger: logger)
        return try await Self.decode(rows).first
    }

    /// How many credentials each key version protects.
    func countByVersion() async throws -> [Int: Int] {
        let rows = try await client.query(
            "SELECT key_version, count(*)::integer FROM vault.credentials GROUP BY key_version", logger: logger)
        var counts: [Int: Int] = [:]
        for try await (version, count) in rows.decode((Int, Int).self) { counts[version] = count }
        return counts
    }

    // MARK: - Rows

    static let columns =
        "id, tenant_id, service, name, ciphertext, key_version, key_preview, meta, created_at, updated_at"

    static func decode(_ rows: PostgresRowSequence) async throws -> [StoredCredential] {
        var credentials: [StoredCredential] = []
        for try await (id, tenant, service, name, ciphertext, version, preview, meta, createdAt, updatedAt)
            in rows.decode(
                (UUID, UUID, String, String, ByteBuffer, Int, String, JSONValue, Date, Date).self)
        {
            credentials.append(
                StoredCredential(
                    id: id, tenant: tenant, service: service, name: name,
                    ciphertext: Array(ciphertext.readableBytesView),
                    keyVersion: version, keyPreview: preview, meta: meta.objectValue ?? [:], createdAt: createdAt,
                    updatedAt: updatedAt))
        }
        return credentials
    }
}
