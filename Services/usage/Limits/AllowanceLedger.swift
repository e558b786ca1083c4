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
    /// exchange), in one statement and transaction (`usage.limits_exchange`). Returns the grants,
    /// and the budgets the changes took past a threshold. An exchange with an id is applied once:
    /// a repeat (its sender got no answer) gets the grants of the first, and no crossings (the
    /// first announced them).
    func exchange(_ exchange: AllowanceExchange) async throws -> (
        grants: [AllowanceExchange.Grant], crossings: [Crossing]
    ) {
        var grants: [AllowanceExchange.Grant] = []
        grants.reserveCapacity(exchange.borrows.count)
        var crossings: [Crossing] = []
        for try await row in try await client.execute(Exchange(exchange: exchange), logger: logger) {
            switch row {
            case .grant(let grant): grants.append(grant)
            case .crossing(let crossing): crossings.append(crossing)
            case .noTenant: continue
            }
        }
        return (grants, crossings)
    }

    /// The exchange's one statement, prepared once per connection (planned each time, the
    /// statements it replaced cost the usage service and PostgreSQL about 1.3 ms of CPU an
    /// exchange). PostgresNIO binds no arrays of optionals: a borrow without a tenant sends '',
    /// one whose count never resets a reset before 0.
    private struct Exchange: PostgresPreparedStatement {
        static let name = "usage.limits.exchange"
        static let sql = "SELECT * FROM usage.limits_exchange($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        static let bindingDataTypes: [PostgresDataType] = [
            .uuid, .textArray, .int8Array, .int8Array, .int8Array, .int8Array,
            .textArray, .int8Array, .textArray, .int8Array, .float8Array, .int8Array, .int8Array,
        ]
        var exchange: AllowanceExchange

        /// A row: a borrow's grant (in the borrows' order), or a budget the changes took past a
        /// threshold (`noTenant`: a count of no tenant's, a gateway rate).
        enum Row {
            case grant(AllowanceExchange.Grant)
            case crossing(Crossing)
            case noTenant
        }

        func makeBindings() -> PostgresBindings {
            let changes = exchange.adjustments
            let borrows = exchange.borrows
            var bindings = PostgresBindings(capacity: 13)
            bindings.append(exchange.id)
            bindings.append(changes.map(\.key))
            bindings.append(changes.map(\.window))
            bindings.append(changes.map(\.lent))
            bindings.append(changes.map(\.held))
            bindings.append(changes.map(\.used))
            bindings.append(borrows.map(\.key))
            bindings.append(borrows.map(\.window))
            bindings.append(borrows.map { $0.tenant?.uuidString ?? "" })
            bindings.append(borrows.map(\.capacity))
            bindings.append(borrows.map { $0.resetsAt?.timeIntervalSince1970 ?? -1 })
            bindings.append(borrows.map { max(0, $0.need) })
            bindings.append(borrows.map { max(0, $0.need, $0.want) })
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (kind, key, window, granted, left, lent, tenant, used, capacity, newly) = try row.decode(
                (String, String, Int64, Int64, Int64, Int64, UUID?, Int64, Int64, Int).self)
            if kind == "grant" {
                return .grant(.init(key: key, window: window, granted: granted, left: left, lent: lent))
            }
            guard let tenant else { return .noTenant }
            return .crossing(
                Crossing(key: key, window: window, tenant: tenant, spent: used, budget: capacity, thresholds: newly))
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
