import Contracts
import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ServiceKit

/// Tenant users in `gateway.users`; every query is scoped by tenant.
struct UserRepository: Sendable {
    let client: PostgresClient
    let logger: Logger

    struct Credentials: Sendable {
        var user: User
        var tenant: Principal.TenantRef
        var passwordHash: String
    }

    func create(
        tenant: UUID, email: String, username: String, name: String?, passwordHash: String, role: UserRole = .user
    ) async throws -> User {
        let id = UUID.v7()
        do {
            let rows = try await client.query(
                """
                INSERT INTO gateway.users (id, tenant_id, email, username, name, role, password_hash)
                VALUES (\(id), \(tenant), \(email), \(username), \(name), \(role.rawValue), \(passwordHash))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            return try await Self.decode(rows).first!
        } catch {
            throw Self.conflict(error) ?? error
        }
    }

    /// The user of tenant `slug` whose email or username is `identifier`, with their password hash.
    func credentials(tenantSlug slug: String, identifier: String) async throws -> Credentials? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns("u.")), u.password_hash, t.id, t.slug, t.modules
            FROM gateway.users u JOIN gateway.tenants t ON t.id = u.tenant_id
            WHERE t.slug = \(slug) AND t.deleting_since IS NULL
              AND (lower(u.email) = lower(\(identifier)) OR lower(u.username) = lower(\(identifier)))
            """, logger: logger)
        for try await row in rows {
            let user = try Self.user(from: row)
            let columns = row.makeRandomAccess()
            let hash = try columns[Self.columnCount].decode(String.self, context: .default)
            let tenantID = try columns[Self.columnCount + 1].decode(UUID.self, context: .default)
            let tenantSlug = try columns[Self.columnCount + 2].decode(String.self, context: .default)
            let modules = try columns[Self.columnCount + 3].decode([String].self, context: .default)
            return Credentials(
                user: user, tenant: .init(id: tenantID, slug: tenantSlug, modules: modules.compactMap(Module.init)),
                passwordHash: hash)
        }
        return nil
    }

    func get(_ id: UUID, tenant: UUID) async throws -> User? {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns) FROM gateway.users WHERE id = \(id) AND tenant_id = \(tenant)",
            logger: logger)
        return try await Self.decode(rows).first
    }

    func list(tenant: UUID, role: UserRole?, _ page: PageRequest) async throws -> Page<User> {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM gateway.users
            WHERE tenant_id = \(tenant) AND (\(role?.rawValue)::text IS NULL OR role = \(role?.rawValue))
              AND (\(page.after)::uuid IS NULL OR id > \(page.after))
            ORDER BY id LIMIT \(page.limit + 1)
            """, logger: logger)
        return page.page(try await Self.decode(rows), id: \.id)
    }

    struct Changes: Sendable {
        var name: String??
        var bio: String??
        var avatarUrl: String??
        var role: UserRole?
        var modules: [Module]??
        var preferences: [String: JSONValue]?
    }

    /// Applies the fields present in `changes`; nil when the tenant has no such user.
    func update(_ id: UUID, tenant: UUID, _ changes: Changes) async throws -> User? {
        // A double optional: .none leaves the column, .some(nil) clears it.
        func flag<T>(_ value: T??) -> Bool { value != nil }
        let modules = changes.modules.flatMap { $0?.map(\.rawValue) }
        let preferences = changes.preferences.map { JSONValue.object($0) }
        let rows = try await client.query(
            """
            UPDATE gateway.users SET
                name = CASE WHEN \(flag(changes.name)) THEN \(changes.name ?? nil) ELSE name END,
                bio = CASE WHEN \(flag(changes.bio)) THEN \(changes.bio ?? nil) ELSE bio END,
                avatar_url = CASE WHEN \(flag(changes.avatarUrl)) THEN \(changes.avatarUrl ?? nil) ELSE avatar_url END,
                role = COALESCE(\(changes.role?.rawValue), role),
                modules = CASE WHEN \(flag(changes.modules)) THEN \(modules)::text[] ELSE modules END,
                settings = COALESCE(\(preferences), settings),
                updated_at = now()
            WHERE id = \(id) AND tenant_id = \(tenant)
            RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        return try await Self.decode(rows).first
    }

    func delete(_ id: UUID, tenant: UUID) async throws -> Bool {
        let rows = try await client.query(
            "DELETE FROM gateway.users WHERE id = \(id) AND tenant_id = \(tenant) RETURNING id", logger: logger)
        return try await rows.decode(UUID.self).collectAll().count == 1
    }

    func preferences(_ id: UUID, tenant: UUID) async throws -> [String: JSONValue]? {
        let rows = try await client.query(
            "SELECT settings FROM gateway.users WHERE id = \(id) AND tenant_id = \(tenant)", logger: logger)
        for try await settings in rows.decode(JSONValue.self) { return settings.objectValue ?? [:] }
        return nil
    }

    func setPassword(_ id: UUID, hash: String) async throws {
        try await client.query(
            "UPDATE gateway.users SET password_hash = \(hash), updated_at = now() WHERE id = \(id)", logger: logger)
    }

    // MARK: - Rows

    private static let columnCount = 10

    private static func columns(_ alias: String) -> String {
        ["id", "email", "username", "name", "bio", "avatar_url", "role", "modules", "created_at", "updated_at"]
            .map { alias + $0 }.joined(separator: ", ")
    }

    private static let columns = columns("")

    private static func user(from row: PostgresRow) throws -> User {
        let columns = row.makeRandomAccess()
        let (id, email, username, name, bio, avatarURL, role, modules, createdAt, updatedAt) = (
            try columns[0].decode(UUID.self, context: .default), try columns[1].decode(String.self, context: .default),
            try columns[2].decode(String.self, context: .default),
            try columns[3].decode(String?.self, context: .default),
            try columns[4].decode(String?.self, context: .default),
            try columns[5].decode(String?.self, context: .default),
            try columns[6].decode(String.self, context: .default),
            try columns[7].decode([String]?.self, context: .default),
            try columns[8].decode(Date.self, context: .default),
            try columns[9].decode(Date.self, context: .default)
        )
        return User(
            id: id, email: email, username: username, name: name, bio: bio, avatarUrl: avatarURL,
            role: UserRole(rawValue: role) ?? .user, modules: modules?.compactMap(Module.init), createdAt: createdAt,
            updatedAt: updatedAt)
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [User] {
        var users: [User] = []
        for try await row in rows { users.append(try user(from: row)) }
        return users
    }

    private static func conflict(_ error: any Error) -> Problem? {
        switch DatabaseErrors.uniqueViolation(error) {
        case "users_email_key": Problem(.conflict, "a user with this email already exists", kind: "conflict")
        case "users_username_key": Problem(.conflict, "a user with this username already exists", kind: "conflict")
        default: nil
        }
    }
}

extension UserRepository {
    /// A user by id alone, with its tenant (for a refresh, where the token names the user).
    func find(_ id: UUID) async throws -> (user: User, tenant: UUID)? {
        let rows = try await client.query(
            "SELECT tenant_id FROM gateway.users WHERE id = \(id)", logger: logger)
        guard let tenant = try await rows.decode(UUID.self).collectAll().first,
            let user = try await get(id, tenant: tenant)
        else { return nil }
        return (user, tenant)
    }
}
