import ServiceKit

/// Limits (their definitions) and the ledger: one row per count and window (`key` is a limit's id
/// and kind, or a gateway rate's name), holding what is out in instances' slices (`lent`), what
/// calls in flight reserved (`held`, settled from their usage events) and what is final (`used`).
struct CreateLimits: SQLMigration {
    let version = 3
    let name = "create limits and the allowance ledger"
    let statements = [
        """
        CREATE TABLE usage.limits (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL,
            name TEXT,
            api_key_id UUID,
            user_id UUID,
            service TEXT,
            model TEXT,
            window_unit TEXT,
            requests BIGINT,
            tokens BIGINT,
            period TEXT,
            budget_micro_usd BIGINT,
            owner TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX limits_by_tenant ON usage.limits (tenant_id, created_at, id)",
        """
        CREATE TABLE usage.limit_counters (
            key TEXT NOT NULL,
            window_start BIGINT NOT NULL,
            tenant_id UUID,
            capacity BIGINT NOT NULL,
            resets_at TIMESTAMPTZ,
            lent BIGINT NOT NULL DEFAULT 0,
            held BIGINT NOT NULL DEFAULT 0,
            used BIGINT NOT NULL DEFAULT 0,
            last_grant BIGINT NOT NULL DEFAULT 0,
            notified SMALLINT NOT NULL DEFAULT 0,
            newly_notified SMALLINT NOT NULL DEFAULT 0,
            PRIMARY KEY (key, window_start)
        )
        """,
        "CREATE INDEX limit_counters_by_tenant ON usage.limit_counters (tenant_id)",
        "CREATE INDEX limit_counters_by_reset ON usage.limit_counters (resets_at)",
        // The need first, then at most half of what is left beyond it: slices shrink near the limit.
        """
        CREATE FUNCTION usage.allowance_grant(need BIGINT, want BIGINT, available BIGINT) RETURNS BIGINT
        LANGUAGE sql IMMUTABLE AS $$
            SELECT LEAST(GREATEST(need, 0), GREATEST(available, 0))
                + LEAST(GREATEST(want - GREATEST(need, 0), 0),
                        GREATEST(available - LEAST(GREATEST(need, 0), GREATEST(available, 0)), 0) / 2)
        $$
        """,
        // A budget's thresholds reached: 1 for 80 %, 2 for 100 % (counts of other kinds have none).
        """
        CREATE FUNCTION usage.budget_thresholds(spent BIGINT, budget BIGINT, spend BOOLEAN) RETURNS SMALLINT
        LANGUAGE sql IMMUTABLE AS $$
            SELECT CASE WHEN NOT spend OR budget <= 0 THEN 0::smallint
                ELSE ((CASE WHEN spent * 5 >= budget * 4 THEN 1 ELSE 0 END)
                    | (CASE WHEN spent >= budget THEN 2 ELSE 0 END))::smallint END
        $$
        """,
    ]
}
