import ServiceKit

/// The ledger's exchange in one statement (docs/limits.md, "How it holds across replicas"): the
/// exchange id recorded (a repeat gets the first's grants back, nothing applied again), the
/// changes applied, each borrow granted in order, the grants saved, in one round trip and one
/// transaction. As separate statements in a transaction it took seven round trips to PostgreSQL
/// for a call's three borrows, the most of an idle instance's wait for a slice.
struct AddLedgerExchange: SQLMigration {
    let version = 7
    let name = "the ledger's exchange in one statement"
    let statements = [
        // Rows: `grant` (key, window, granted, left, lent), one per borrow in order; `crossing`
        // (key, window, tenant, used, capacity, newly: the thresholds a budget newly reached).
        // A tenant of '' and a reset before 0 stand for none.
        """
        CREATE FUNCTION usage.limits_exchange(
            exchange_id UUID,
            change_keys TEXT[], change_windows BIGINT[], change_lent BIGINT[], change_held BIGINT[],
            change_used BIGINT[],
            borrow_keys TEXT[], borrow_windows BIGINT[], borrow_tenants TEXT[], borrow_capacities BIGINT[],
            borrow_resets DOUBLE PRECISION[], borrow_needs BIGINT[], borrow_wants BIGINT[])
        RETURNS TABLE (r_kind TEXT, r_key TEXT, r_window BIGINT, r_granted BIGINT, r_left BIGINT, r_lent BIGINT,
            r_tenant UUID, r_used BIGINT, r_capacity BIGINT, r_newly INTEGER)
        LANGUAGE plpgsql AS $$
        DECLARE
            saved TEXT;
            given JSONB := '[]'::jsonb;
            i INTEGER;
        BEGIN
            IF exchange_id IS NOT NULL THEN
                -- A repeat arriving while the first is still being applied waits here for its commit.
                INSERT INTO usage.limit_exchanges AS e (id) VALUES (exchange_id) ON CONFLICT (id) DO NOTHING;
                IF NOT FOUND THEN
                    SELECT e.grants INTO saved FROM usage.limit_exchanges e WHERE e.id = exchange_id;
                    RETURN QUERY SELECT 'grant'::text, g.e->>'key', (g.e->>'window')::bigint,
                            (g.e->>'granted')::bigint, (g.e->>'left')::bigint, (g.e->>'lent')::bigint,
                            NULL::uuid, 0::bigint, 0::bigint, 0
                        FROM jsonb_array_elements(COALESCE(saved, '[]')::jsonb) WITH ORDINALITY AS g(e, n)
                        ORDER BY g.n;
                    RETURN;
                END IF;
            END IF;
            IF coalesce(array_length(change_keys, 1), 0) > 0 THEN
                RETURN QUERY WITH applied AS (
                    UPDATE usage.limit_counters c SET lent = c.lent + a.lent, held = c.held + a.held,
                        used = c.used + a.used,
                        notified = c.notified | usage.budget_thresholds(c.used + a.used, c.capacity, c.key LIKE '%/spend'),
                        newly_notified = usage.budget_thresholds(c.used + a.used, c.capacity, c.key LIKE '%/spend')
                            & ~c.notified
                    FROM (
                        SELECT x.key, x.window_start, sum(x.lent)::bigint AS lent, sum(x.held)::bigint AS held,
                            sum(x.used)::bigint AS used
                        FROM unnest(change_keys, change_windows, change_lent, change_held, change_used)
                            AS x(key, window_start, lent, held, used)
                        GROUP BY x.key, x.window_start
                    ) a
                    WHERE c.key = a.key AND c.window_start = a.window_start
                    RETURNING c.key, c.window_start, c.tenant_id, c.used, c.capacity, c.newly_notified::integer AS newly
                )
                SELECT 'crossing'::text, applied.key, applied.window_start, 0::bigint, 0::bigint, 0::bigint,
                        applied.tenant_id, applied.used, applied.capacity, applied.newly
                    FROM applied WHERE applied.newly <> 0;
            END IF;
            FOR i IN 1 .. coalesce(array_length(borrow_keys, 1), 0) LOOP
                INSERT INTO usage.limit_counters AS c (key, window_start, tenant_id, capacity, resets_at, lent, last_grant)
                SELECT borrow_keys[i], borrow_windows[i], NULLIF(borrow_tenants[i], '')::uuid, borrow_capacities[i],
                    CASE WHEN borrow_resets[i] < 0 THEN NULL ELSE to_timestamp(borrow_resets[i]) END, g, g
                FROM (SELECT usage.allowance_grant(borrow_needs[i], borrow_wants[i], borrow_capacities[i]) AS g) grant_
                ON CONFLICT (key, window_start) DO UPDATE SET
                    capacity = EXCLUDED.capacity,
                    last_grant = usage.allowance_grant(borrow_needs[i], borrow_wants[i],
                        EXCLUDED.capacity - c.used - c.held - c.lent),
                    lent = c.lent + usage.allowance_grant(borrow_needs[i], borrow_wants[i],
                        EXCLUDED.capacity - c.used - c.held - c.lent)
                RETURNING c.last_grant, GREATEST(c.capacity - c.used - c.held - c.lent, 0), c.lent
                INTO r_granted, r_left, r_lent;
                r_kind := 'grant';
                r_key := borrow_keys[i];
                r_window := borrow_windows[i];
                r_tenant := NULL;
                r_used := 0;
                r_capacity := 0;
                r_newly := 0;
                given := given || jsonb_build_array(jsonb_build_object('key', r_key, 'window', r_window,
                    'granted', r_granted, 'left', r_left, 'lent', r_lent));
                RETURN NEXT;
            END LOOP;
            IF exchange_id IS NOT NULL THEN
                UPDATE usage.limit_exchanges e SET grants = given::text WHERE e.id = exchange_id;
            END IF;
        END
        $$
        """
    ]
}
