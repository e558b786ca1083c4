import Logging
import PostgresNIO

/// One versioned change to a service's schema. Migrations run in version order, each once,
/// all pending ones in a single transaction.
public protocol Migration: Sendable {
    /// Unique and increasing within a schema; never reused or renumbered once released.
    var version: Int { get }
    var name: String { get }
    func apply(on connection: PostgresConnection, logger: Logger) async throws
}

/// A migration that is just SQL statements, run in order.
public protocol SQLMigration: Migration {
    var statements: [String] { get }
}

extension SQLMigration {
    public func apply(on connection: PostgresConnection, logger: Logger) async throws {
        for statement in statements {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }
}
