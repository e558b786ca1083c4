import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// Limits in `usage.limits`, with their current use read from the ledger.
struct LimitStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    private static let columns = """
        id, tenant_id, name, api_key_id, user_id, service, model, window_unit, requests, tokens, period,
        budget_micro_usd, owner, created_at, updated_at
        """

    private typealias Row = (
        UUID, UUID, String?, UUID?, UUID?, String?, String?, String?, Int64?, Int64?, String?, Int64?, String, Date,
        Date
    )

    private static func definition(_ row: Row) -> LimitDefinition {
        LimitDefinition(
            id: row.0, tenant: row.1, name: row.2, apiKeyId: row.3, userId: row.4, service: row.5, model: row.6,
            window: row.7.flatMap(LimitUnit.init(rawValue:)), requests: row.8, tokens: row.9,
            period: row.10.flatMap(LimitUnit.init(rawValue:)), budgetMicroUsd: row.11,
            owner: LimitDefinition.Owner(rawValue: row.12) ?? .tenant, createdAt: row.13, updatedAt: row.14)
    }

    func list(tenant: UUID) async throws -> [LimitDefinition] {
        var query = PostgresQuery(
            unsafeSQL: "SELECT \(Self.columns) FROM usage.limits WHERE tenant_id = $1 ORDER BY created_at, id")
        query.binds.append(tenant)
        return try await client.query(query, logger: logger).decode(Row.self).collectAll().map(Self.definition)
    }

    func find(_ id: UUID, tenant: UUID) async throws -> LimitDefinition? {
        var query = PostgresQuery(
            unsafeSQL: "SELECT \(Self.columns) FROM usage.limits WHERE tenant_id = $1 AND id = $2")
        query.binds.append(tenant)
        query.binds.append(id)
        return try await client.query(query, logger: logger).decode(Row.self).collectAll().first.map(Self.definition)
    }

    func insert(_ limit: LimitDefinition) async throws {
        try await client.query(
            """
            INSERT INTO usage.limits (id, tenant_id, name, api_key_id, user_id, service, model, window_unit, requests,
                tokens, period, budget_micro_usd, owner, created_at, updated_at)
            VALUES (\(limit.id), \(limit.tenant), \(limit.name), \(limit.apiKeyId), \(limit.userId), \(limit.service),
                \(limit.model), \(limit.window?.rawValue), \(limit.requests), \(limit.tokens), \(limit.period?.rawValue),
                \(limit.budgetMicroUsd), \(limit.owner.rawValue), \(limit.createdAt), \(limit.updatedAt))
            """, logger: logger)
    }

    func update(_ limit: LimitDefinition) async throws {
        try await client.query(
            """
            UPDATE usage.limits SET name = \(limit.name), api_key_id = \(limit.apiKeyId), user_id = \(limit.userId),
                service = \(limit.service), model = \(limit.model), window_unit = \(limit.window?.rawValue),
                requests = \(limit.requests), tokens = \(limit.tokens), period = \(limit.period?.rawValue),
                budget_micro_usd = \(limit.budgetMicroUsd), updated_at = \(limit.updatedAt)
            WHERE id = \(limit.id) AND tenant_id = \(limit.tenant)
            """, logger: logger)
    }

    /// Deletes the limit and its counts.
    func delete(_ limit: LimitDefinition) async throws {
        let prefix = limit.id.lowercasedString + "/"
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                "DELETE FROM usage.limits WHERE id = \(limit.id) AND tenant_id = \(limit.tenant)", logger: logger)
            try await connection.query(
                "DELETE FROM usage.limit_counters WHERE starts_with(key, \(prefix))", logger: logger)
        }
    }

    /// The limits with their use in the window and period in force at `now`.
    func records(_ limits: [LimitDefinition], now: Date = Date()) async throws -> [LimitRecord] {
        var keys: [String] = [], windows: [Int64] = []
        for limit in limits {
            for meter in limit.rule.meters {
                keys.append(meter.kind.key(limit.id))
                windows.append(meter.unit.window(at: now).start)
            }
        }
        var used: [String: Int64] = [:]
        if !keys.isEmpty {
            let rows = try await client.query(
                """
                SELECT c.key, c.used FROM usage.limit_counters c
                JOIN unnest(\(keys)::text[], \(windows)::bigint[]) AS w(key, window_start)
                    ON c.key = w.key AND c.window_start = w.window_start
                """, logger: logger)
            for try await (key, count) in rows.decode((String, Int64).self) { used[key] = count }
        }
        return limits.map { limit in
            func count(_ kind: LimitKind) -> Int64 { used[kind.key(limit.id)] ?? 0 }
            let resets = [limit.window, limit.period].compactMap { $0?.window(at: now).end }.min()
            return LimitRecord(
                limit: limit,
                current: .init(
                    requests: count(.requests), tokens: count(.tokens), spentMicroUsd: count(.spend), resetsAt: resets))
        }
    }
}
