import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// The one authoritative count of every limit (docs/limits.md): instances borrow slices of a
/// window's allowance with an atomic conditional update, report what they spent, and hand back
/// what they did not use. A borrow never takes `lent + held + used` past the capacity.
struct AllowanceLedger: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// How long the ledger remembers an exchange's id (``Allowances/repeatedFor`` is shorter).
    static let exchangesKept = Duration.seconds(3600)

    /// A budget's spend reached 80 % (bit 1) or 100 % (bit 2) of it for the first time in a period.
    struct Crossing: Sendable, Equatable {
        var key: String
        var window: Int64
        var tenant: UUID
        var spent: Int64
        var budget: Int64
        var thresholds: Int
    }

    /// Applies the changes, then borrows (what comes back is there to borrow in the same
    /// exchange), in one transaction. Returns the grants, and the budgets the changes took past a
    /// threshold. An exchange with an id is applied once: a repeat (its sender got no answer)
    /// gets the grants of the first, and no crossings (the first announced them).
    func exchange(_ exchange: AllowanceExchange) async throws -> (
        grants: [AllowanceExchange.Grant], crossings: [Crossing]
    ) {
        try await client.withTransaction(logger: logger) { connection in
            if let id = exchange.id {
                // A repeat arriving while the first is still being applied waits here for its commit.
                let fresh = try await connection.execute(RecordExchange(id: id), logger: logger).collectAll()
                if fresh.isEmpty { return (try await grants(of: id, on: connection), []) }
            }
            let crossings = exchange.adjustments.isEmpty ? [] : try await apply(exchange.adjustments, on: connection)
            var grants: [AllowanceExchange.Grant] = []
            grants.reserveCapacity(exchange.borrows.count)
            for borrow in exchange.borrows { grants.append(try await self.borrow(borrow, on: connection)) }
            if let id = exchange.id {
                let encoded = String(decoding: try JSONEncoder().encode(grants), as: UTF8.self)
                _ = try await connection.execute(SaveGrants(grants: encoded, id: id), logger: logger).collectAll()
            }
            return (grants, crossings)
        }
    }

    /// The grants an exchange applied before got.
    private func grants(of id: UUID, on connection: PostgresConnection) async throws -> [AllowanceExchange.Grant] {
        let rows = try await connection.query(
            "SELECT grants FROM usage.limit_exchanges WHERE id = \(id)", logger: logger
        ).decode(String?.self).collectAll()
        guard let text = rows.first ?? nil else { return [] }
        return try JSONDecoder().decode([AllowanceExchange.Grant].self, from: Data(text.utf8))
    }

    /// Signed changes, summed per window (they commute). A budget whose `used` reaches 80 % or
    /// 100 % of it is marked in the same statement, so each threshold is announced once a period.
    private func apply(_ changes: [AllowanceExchange.Adjustment], on connection: PostgresConnection) async throws
        -> [Crossing]
    {
        let rows = try await connection.execute(Apply(changes: changes), logger: logger)
        var crossings: [Crossing] = []
        for try await (key, window, tenant, used, capacity, newly) in rows where newly != 0 {
            guard let tenant else { continue }
            crossings.append(
                Crossing(key: key, window: window, tenant: tenant, spent: used, budget: capacity, thresholds: newly))
        }
        return crossings
    }

    /// One atomic statement: the window's row is created or locked, the grant computed from what
    /// is left under the capacity, added to `held`, and returned.
    private func borrow(_ borrow: AllowanceExchange.Borrow, on connection: PostgresConnection) async throws
        -> AllowanceExchange.Grant
    {
        let need = max(0, borrow.need)
        let want = max(need, borrow.want)
        let (granted, left, lent) =
            try await connection.execute(Borrow(borrow: borrow, need: need, want: want), logger: logger)
            .collectAll().first ?? (Int64(0), Int64(0), Int64(0))
        return .init(key: borrow.key, window: borrow.window, granted: granted, left: left, lent: lent)
    }

    // MARK: - Statements

    // An exchange runs four kinds of statement, three borrows among them, several times a second
    // per instance: each is prepared once per connection (planned each time, they cost the usage
    // service and PostgreSQL about 1.3 ms of CPU an exchange).

    private struct RecordExchange: PostgresPreparedStatement {
        static let name = "usage.limits.record-exchange"
        static let sql = "INSERT INTO usage.limit_exchanges (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING id"
        static let bindingDataTypes: [PostgresDataType] = [.uuid]
        var id: UUID

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(id)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> UUID { try row.decode(UUID.self) }
    }

    /// No rows (PostgresNIO's variant for statements without rows reads the command tag before
    /// the rows are consumed, a fatal error, so the empty row sequence is collected instead).
    private struct SaveGrants: PostgresPreparedStatement {
        static let name = "usage.limits.save-grants"
        static let sql = "UPDATE usage.limit_exchanges SET grants = $1 WHERE id = $2"
        static let bindingDataTypes: [PostgresDataType] = [.text, .uuid]
        var grants: String
        var id: UUID

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(grants)
            bindings.append(id)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
    }

    private struct Apply: PostgresPreparedStatement {
        static let name = "usage.limits.apply"
        static let sql = """
            UPDATE usage.limit_counters c SET lent = c.lent + a.lent, held = c.held + a.held, used = c.used + a.used,
                notified = c.notified | usage.budget_thresholds(c.used + a.used, c.capacity, c.key LIKE '%/spend'),
                newly_notified = usage.budget_thresholds(c.used + a.used, c.capacity, c.key LIKE '%/spend')
                    & ~c.notified
            FROM (
                SELECT key, window_start, sum(lent)::bigint AS lent, sum(held)::bigint AS held,
                    sum(used)::bigint AS used
                FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
                    AS x(key, window_start, lent, held, used)
                GROUP BY key, window_start
            ) a
            WHERE c.key = a.key AND c.window_start = a.window_start
            RETURNING c.key, c.window_start, c.tenant_id, c.used, c.capacity, c.newly_notified::integer
            """
        static let bindingDataTypes: [PostgresDataType] = [.textArray, .int8Array, .int8Array, .int8Array, .int8Array]
        var changes: [AllowanceExchange.Adjustment]

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 5)
            bindings.append(changes.map(\.key))
            bindings.append(changes.map(\.window))
            bindings.append(changes.map(\.lent))
            bindings.append(changes.map(\.held))
            bindings.append(changes.map(\.used))
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> (String, Int64, UUID?, Int64, Int64, Int) {
            try row.decode((String, Int64, UUID?, Int64, Int64, Int).self)
        }
    }

    private struct Borrow: PostgresPreparedStatement {
        static let name = "usage.limits.borrow"
        static let sql = """
            INSERT INTO usage.limit_counters AS c (key, window_start, tenant_id, capacity, resets_at, lent, last_grant)
            SELECT $1, $2, $3, $4, $5, g, g
            FROM (SELECT usage.allowance_grant($6, $7, $4) AS g) grant_
            ON CONFLICT (key, window_start) DO UPDATE SET
                capacity = EXCLUDED.capacity,
                last_grant = usage.allowance_grant($6, $7, EXCLUDED.capacity - c.used - c.held - c.lent),
                lent = c.lent + usage.allowance_grant($6, $7, EXCLUDED.capacity - c.used - c.held - c.lent)
            RETURNING last_grant, GREATEST(capacity - used - held - lent, 0), lent
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .int8, .uuid, .int8, .timestamptz, .int8, .int8]
        var borrow: AllowanceExchange.Borrow
        var need: Int64
        var want: Int64

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 7)
            bindings.append(borrow.key)
            bindings.append(borrow.window)
            bindings.append(borrow.tenant)
            bindings.append(borrow.capacity)
            bindings.append(borrow.resetsAt)
            bindings.append(need)
            bindings.append(want)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> (Int64, Int64, Int64) {
            try row.decode((Int64, Int64, Int64).self)
        }
    }

    /// Drops the counts of windows that ended more than a day ago, those of limits deleted (a
    /// borrow in flight when its limit was deleted can have made one again), and the ids of
    /// exchanges older than ``exchangesKept`` (instances give up repeating theirs sooner).
    func dropEnded() async throws {
        try await client.query(
            "DELETE FROM usage.limit_counters WHERE resets_at < now() - interval '1 day'", logger: logger)
        try await client.query(
            "DELETE FROM usage.limit_exchanges WHERE at < now() - make_interval(secs => \(Double(Self.exchangesKept.components.seconds)))",
            logger: logger)
        try await client.query(
            """
            DELETE FROM usage.limit_counters c WHERE c.tenant_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM usage.limits l WHERE starts_with(c.key, l.id::text || '/'))
            """, logger: logger)
    }
}

/// Drops the ledger's ended windows and old exchange ids every ten minutes.
struct LedgerJanitor: Service {
    let ledger: AllowanceLedger
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await ledger.dropEnded()
                } catch  where !Task.isCancelled {
                    logger.warning("dropping ended limit windows failed", metadata: ["error": "\(error)"])
                } catch {}
                try? await Task.sleep(for: .seconds(600))
            }
        }
    }
}
