import ServiceKit

/// The ids of the ledger's exchanges and the grants each got, so that an instance that got no
/// answer can send the same exchange again and have it applied once (docs/limits.md).
struct CreateLimitExchanges: SQLMigration {
    let version = 6
    let name = "remember limit exchanges"
    let statements = [
        """
        CREATE TABLE usage.limit_exchanges (
            id UUID PRIMARY KEY,
            at TIMESTAMPTZ NOT NULL DEFAULT now(),
            grants TEXT
        )
        """,
        "CREATE INDEX limit_exchanges_by_time ON usage.limit_exchanges (at)",
    ]
}
