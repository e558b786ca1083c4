import Contracts
import Foundation
import JSONSchema
import Logging
import Messaging
import PostgresNIO
import ServiceKit
import Synchronization

/// Content types in `content.types`, every query scoped by tenant; and their compiled schemas,
/// cached by type id and version.
final class TypeStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    private let compiled = Mutex([UUID: (version: Int, schema: JSONSchema)]())
    /// Tenants known to have their built-in types.
    private let seeded = Mutex(Set<UUID>())

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    static let columns = "id, name, description, schema, access_level, builtin, version, created_at, updated_at"
    /// Compiled schemas kept (each tenant has at least its two built-in types).
    static let compiledCapacity = 10_000

    func create(tenant: UUID, _ body: NewContentType) async throws -> ContentType {
        try ContentType.checkName(body.name)
        guard !ContentType.builtinNames.contains(body.name) else {
            throw ServiceError.conflict("`\(body.name)` is a built-in type")
        }
        _ = try ContentType.compile(body.schema)
        do {
            let rows = try await client.query(
                """
                INSERT INTO content.types (id, tenant_id, name, description, schema, access_level)
                VALUES (\(UUID.v7()), \(tenant), \(body.name), \(body.description), \(body.schema),
                        \((body.accessLevel ?? .elevated).rawValue))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            return try await Self.decode(rows)[0]
        } catch  where DatabaseErrors.uniqueViolation(error) != nil {
            throw ServiceError.conflict("a content type named `\(body.name)` already exists")
        }
    }

    func list(tenant: UUID, _ page: PageQuery) async throws -> Page<ContentType> {
        try await seedBuiltins(tenant)
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM content.types
            WHERE tenant_id = \(tenant) AND (\(page.after)::uuid IS NULL OR id > \(page.after))
            ORDER BY id LIMIT \(page.limit + 1)
            """, logger: logger)
        return page.page(try await Self.decode(rows), id: \.id)
    }

    func get(tenant: UUID, id: UUID) async throws -> ContentType {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns) FROM content.types WHERE tenant_id = \(tenant) AND id = \(id)",
            logger: logger)
        guard let type = try await Self.decode(rows).first else { throw ServiceError.notFound("no such content type") }
        return type
    }

    /// A type by name or id (what `POST /content` takes as `type`).
    func find(tenant: UUID, nameOrID: String) async throws -> ContentType {
        if let id = UUID(parsing: nameOrID) { return try await get(tenant: tenant, id: id) }
        if ContentType.builtinNames.contains(nameOrID) { try await seedBuiltins(tenant) }
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns) FROM content.types WHERE tenant_id = \(tenant) AND name = \(nameOrID)",
            logger: logger)
        guard let type = try await Self.decode(rows).first else {
            throw ServiceError.notFound("no content type named `\(nameOrID)`")
        }
        return type
    }

    func update(tenant: UUID, id: UUID, _ changes: ContentTypeChanges) async throws -> ContentType {
        if let name = changes.name {
            try ContentType.checkName(name)
            guard !ContentType.builtinNames.contains(name) else {
                throw ServiceError.conflict("`\(name)` is a built-in type")
            }
        }
        if let schema = changes.schema { _ = try ContentType.compile(schema) }
        let current = try await get(tenant: tenant, id: id)
        guard !current.builtin else { throw ServiceError.conflict("built-in types cannot be changed") }
        if let expected = changes.expectedVersion, expected != current.version {
            throw ServiceError.conflict("the type is at version \(current.version), not \(expected)")
        }
        do {
            let rows = try await client.query(
                """
                UPDATE content.types SET name = COALESCE(\(changes.name), name),
                    description = COALESCE(\(changes.description), description),
                    schema = COALESCE(\(changes.schema), schema),
                    access_level = COALESCE(\(changes.accessLevel?.rawValue), access_level),
                    version = version + 1, updated_at = now()
                WHERE tenant_id = \(tenant) AND id = \(id) AND version = \(current.version)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            guard let updated = try await Self.decode(rows).first else {
                throw ServiceError.conflict("the type changed meanwhile; read it again")
            }
            return updated
        } catch  where DatabaseErrors.uniqueViolation(error) != nil {
            throw ServiceError.conflict("a content type named `\(changes.name ?? "")` already exists")
        }
    }

    func delete(tenant: UUID, id: UUID) async throws {
        let type = try await get(tenant: tenant, id: id)
        guard !type.builtin else { throw ServiceError.conflict("built-in types cannot be deleted") }
        do {
            _ = try await client.query(
                "DELETE FROM content.types WHERE tenant_id = \(tenant) AND id = \(id)", logger: logger)
        } catch  where DatabaseErrors.isForeignKeyViolation(error) {
            throw ServiceError.conflict("the type still has items; delete them first")
        }
        compiled.withLock { $0[id] = nil }
    }

    /// The type's schema, compiled once per version.
    func schema(of type: ContentType) throws -> JSONSchema {
        if let entry = compiled.withLock({ $0[type.id] }), entry.version == type.version { return entry.schema }
        let schema = try ContentType.compile(type.schema)
        compiled.withLock { cache in
            // Full: one entry makes room (whichever the dictionary holds first: in effect a random
            // one), not all of them, so the other tenants' schemas stay compiled.
            if cache.count >= Self.compiledCapacity, cache[type.id] == nil { cache.remove(at: cache.startIndex) }
            cache[type.id] = (type.version, schema)
        }
        return schema
    }

    /// Creates `comment` and `reaction` for the tenant if they are not there yet.
    private func seedBuiltins(_ tenant: UUID) async throws {
        guard !seeded.withLock({ $0.contains(tenant) }) else { return }
        for (name, schema) in ContentType.builtinSchemas.sorted(by: { $0.key < $1.key }) {
            _ = try await client.query(
                """
                INSERT INTO content.types (id, tenant_id, name, description, schema, access_level, builtin)
                VALUES (\(UUID.v7()), \(tenant), \(name), \("Built-in: \(name)s on any item"), \(schema), 'user', true)
                ON CONFLICT (tenant_id, name) DO NOTHING
                """, logger: logger)
        }
        seeded.withLock { _ = $0.insert(tenant) }
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [ContentType] {
        var types: [ContentType] = []
        for try await (id, name, description, schema, level, builtin, version, created, updated) in rows.decode(
            (UUID, String, String?, JSONValue, String, Bool, Int, Date, Date).self)
        {
            types.append(
                ContentType(
                    id: id, name: name, description: description, schema: schema,
                    accessLevel: UserRole(rawValue: level) ?? .admin, builtin: builtin, version: version,
                    createdAt: created, updatedAt: updated))
        }
        return types
    }
}
