import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// Routes in `proxy.routes`.
struct RouteStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    private static let columns =
        "id, tenant_id, name, strategy, targets, retry_on, cooldown_seconds, created_at, updated_at"
    private typealias Row = (UUID, UUID, String, String, JSONValue, [String], Int, Date, Date)

    private static func route(_ row: Row) -> Route? {
        guard let strategy = RouteStrategy(rawValue: row.3), let targets = Route.targets(stored: row.4) else {
            return nil
        }
        return Route(
            id: row.0, tenant: row.1, name: row.2, strategy: strategy, targets: targets,
            retryOn: Set(row.5.compactMap(RouteOutcome.init(rawValue:))), cooldownSeconds: row.6, createdAt: row.7,
            updatedAt: row.8)
    }

    /// A page of the tenant's routes by id (`limit + 1` rows, to tell whether more follow); every
    /// route when `limit` is nil.
    func list(tenant: UUID, limit: Int? = nil, after: UUID? = nil) async throws -> [Route] {
        var query = PostgresQuery(
            unsafeSQL: """
                SELECT \(Self.columns) FROM proxy.routes
                WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3
                """)
        query.binds.append(tenant)
        query.binds.append(after)
        query.binds.append(limit.map { $0 + 1 })
        return try await client.query(query, logger: logger).decode(Row.self).collectAll().compactMap(Self.route)
    }

    func find(_ id: UUID, tenant: UUID) async throws -> Route? {
        var query = PostgresQuery(
            unsafeSQL: "SELECT \(Self.columns) FROM proxy.routes WHERE tenant_id = $1 AND id = $2")
        query.binds.append(tenant)
        query.binds.append(id)
        return try await client.query(query, logger: logger).decode(Row.self).collectAll().first.flatMap(Self.route)
    }

    /// Inserts or updates the route; a 409 when the tenant has another route of its name.
    func save(_ route: Route, isNew: Bool) async throws {
        let targets = JSONValue.array(route.targets.map(\.json))
        let retryOn = RouteOutcome.allCases.filter(route.retryOn.contains).map(\.rawValue)
        do {
            if isNew {
                try await client.query(
                    """
                    INSERT INTO proxy.routes (id, tenant_id, name, strategy, targets, retry_on, cooldown_seconds,
                        created_at, updated_at)
                    VALUES (\(route.id), \(route.tenant), \(route.name), \(route.strategy.rawValue), \(targets),
                        \(retryOn), \(route.cooldownSeconds), \(route.createdAt), \(route.updatedAt))
                    """, logger: logger)
            } else {
                try await client.query(
                    """
                    UPDATE proxy.routes SET name = \(route.name), strategy = \(route.strategy.rawValue),
                        targets = \(targets), retry_on = \(retryOn), cooldown_seconds = \(route.cooldownSeconds),
                        updated_at = \(route.updatedAt)
                    WHERE id = \(route.id) AND tenant_id = \(route.tenant)
                    """, logger: logger)
            }
        } catch  where DatabaseErrors.uniqueViolation(error) != nil {
            throw ServiceError.conflict("the tenant has a route named \(route.name) already")
        }
    }

    func delete(_ route: Route) async throws {
        try await client.query(
            "DELETE FROM proxy.routes WHERE id = \(route.id) AND tenant_id = \(route.tenant)", logger: logger)
    }
}
