import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// The one authoritative count of every limit (docs/limits.md): instances borrow slices of a
/// window's allowance with an atomic conditional update, and hand back what they did not use.
/// A window's `held` is what is out in slices and reserved by calls in flight; `used` is final.
/// `held + used` never passes the capacity through a borrow.
struct AllowanceLedger: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// Hands back, then borrows: what comes back is there to borrow in the same exchange.
    func exchange(_ exchange: AllowanceExchange) async throws -> [AllowanceExchange.Grant] {
        if !exchange.returns.isEmpty { try await hand(back: exchange.returns) }
        var grants: [AllowanceExchange.Grant] = []
        grants.reserveCapacity(exchange.borrows.count)
        for borrow in exchange.borrows { grants.append(try await self.borrow(borrow)) }
        return grants
    }

    private func hand(back returns: [AllowanceExchange.Return]) async throws {
        try await client.query(
            """
            UPDATE usage.limit_counters c SET held = GREATEST(c.held - r.held, 0), used = c.used + r.used
            FROM (
                SELECT key, window_start, sum(held)::bigint AS held, sum(used)::bigint AS used
                FROM unnest(\(returns.map(\.key))::text[], \(returns.map(\.window))::bigint[],
                            \(returns.map(\.held))::bigint[], \(returns.map(\.used))::bigint[])
                    AS x(key, window_start, held, used)
                GROUP BY key, window_start
            ) r
            WHERE c.key = r.key AND c.window_start = r.window_start
            """, logger: logger)
    }

    /// One atomic statement: the window's row is created or locked, the grant computed from what
    /// is left under the capacity, added to `held`, and returned.
    private func borrow(_ borrow: AllowanceExchange.Borrow) async throws -> AllowanceExchange.Grant {
        let need = max(0, borrow.need)
        let want = max(need, borrow.want)
        let rows = try await client.query(
            """
            INSERT INTO usage.limit_counters AS c (key, window_start, tenant_id, capacity, resets_at, held, last_grant)
            SELECT \(borrow.key), \(borrow.window), \(borrow.tenant), \(borrow.capacity), \(borrow.resetsAt), g, g
            FROM (SELECT usage.allowance_grant(\(need), \(want), \(borrow.capacity)) AS g) grant_
            ON CONFLICT (key, window_start) DO UPDATE SET
                capacity = EXCLUDED.capacity,
                last_grant = usage.allowance_grant(\(need), \(want), EXCLUDED.capacity - c.used - c.held),
                held = c.held + usage.allowance_grant(\(need), \(want), EXCLUDED.capacity - c.used - c.held)
            RETURNING last_grant, GREATEST(capacity - used - held, 0)
            """, logger: logger)
        let (granted, left) = try await rows.decode((Int64, Int64).self).collectAll().first ?? (Int64(0), Int64(0))
        return .init(key: borrow.key, window: borrow.window, granted: granted, left: left)
    }

    /// Drops the counts of windows that ended more than a day ago.
    func dropEnded() async throws {
        try await client.query(
            "DELETE FROM usage.limit_counters WHERE resets_at < now() - interval '1 day'", logger: logger)
    }
}

/// Drops the ledger's ended windows once an hour.
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
                try? await Task.sleep(for: .seconds(3600))
            }
        }
    }
}
