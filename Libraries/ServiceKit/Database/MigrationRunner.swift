import Logging
import PostgresNIO

/// Brings a service's schema up to date at start.
///
/// Safe when several instances start at once: the whole run holds a transaction-scoped
/// advisory lock keyed by the schema, so one instance migrates and the others then find
/// nothing to do. Versions already applied by a newer release are left alone (migrations are
/// additive, so this release still runs against them).
public struct MigrationRunner: Sendable {
    public let schema: String
    public let migrations: [any Migration]

    public init(schema: String, migrations: [any Migration]) {
        precondition(schema.allSatisfy { $0.isLetter || $0 == "_" }, "schema names are plain identifiers")
        let versions = migrations.map(\.version)
        precondition(Set(versions).count == versions.count, "migration versions of \(schema) must be unique")
        self.schema = schema
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies what is pending; returns the versions it applied.
    /// - Throws: ``MigrationError`` naming the migration that failed (nothing of the run is kept).
    @discardableResult
    public func run(on client: PostgresClient, logger: Logger) async throws -> [Int] {
        do {
            return try await apply(on: client, logger: logger)
        } catch let error as PostgresTransactionError {
            if let failure = error.closureError as? MigrationError { throw failure }
            if let missing = error.closureError as? SchemaMissing { throw missing }
            throw error
        }
    }

    private func apply(on client: PostgresClient, logger: Logger) async throws -> [Int] {
        let schema = schema
        let migrations = migrations
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext(\("strongbox.migrations." + schema)))", logger: logger)
            // With one role per service (deploy/postgres/service-roles.sql) the schema exists and
            // belongs to this login, which may not create schemas; a single-login database lets
            // the login create it.
            let existing = try await connection.query(
                "SELECT count(*)::int FROM pg_namespace WHERE nspname = \(schema)", logger: logger)
            if try await existing.decode(Int.self).collectAll().first == 0 {
                do {
                    try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger)
                } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
                    throw SchemaMissing(schema: schema)
                }
            }
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TABLE IF NOT EXISTS \(schema).schema_migrations (
                            version INTEGER PRIMARY KEY,
                            name TEXT NOT NULL,
                            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                        )
                        """), logger: logger)
            var applied = Set<Int>()
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT version FROM \(schema).schema_migrations"), logger: logger)
            for try await version in rows.decode(Int.self) { applied.insert(version) }

            var ran: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                logger.info(
                    "applying migration",
                    metadata: ["schema": "\(schema)", "migration": "\(migration.version) \(migration.name)"])
                do {
                    try await migration.apply(on: connection, logger: logger)
                } catch {
                    throw MigrationError(schema: schema, version: migration.version, name: migration.name, cause: error)
                }
                var insert = PostgresQuery(
                    unsafeSQL: "INSERT INTO \(schema).schema_migrations (version, name) VALUES ($1, $2)")
                insert.binds.append(migration.version)
                insert.binds.append(migration.name)
                try await connection.query(insert, logger: logger)
                ran.append(migration.version)
            }
            let newer = applied.subtracting(migrations.map(\.version))
            if !newer.isEmpty {
                logger.notice(
                    "schema has migrations this release does not know (a newer release ran them)",
                    metadata: ["schema": "\(schema)", "versions": "\(newer.sorted())"])
            }
            return ran
        }
    }
}

/// The service's schema does not exist and its login may not create it: the database's roles and
/// schemas were not set up (deploy/postgres/service-roles.sql).
public struct SchemaMissing: Error, CustomStringConvertible {
    public let schema: String

    public var description: String {
        "the schema \(schema) does not exist and this login may not create it: run deploy/postgres/service-roles.sql "
            + "in the database as its owner (docs/operations.md, \"Database roles\")"
    }
}

/// A migration failed; the whole run was rolled back.
public struct MigrationError: Error, CustomStringConvertible {
    public let schema: String
    public let version: Int
    public let name: String
    public let cause: any Error

    public var description: String {
        let reason = (cause as? PSQLError)?.serverInfo?[.message] ?? String(reflecting: cause)
        return "migration \(schema) \(version) (\(name)) failed: \(reason)"
    }
}
