import ServiceKit

/// Usage events (one row per proxied call, keyed by its request id) and hourly rollups per
/// tenant × service × model × API key.
struct CreateEventsAndRollups: SQLMigration {
    let version = 1
    let name = "create usage events and hourly rollups"
    let statements = [
        """
        CREATE TABLE usage.events (
            id TEXT PRIMARY KEY,
            tenant_id UUID NOT NULL,
            api_key_id UUID,
            user_id UUID,
            service TEXT NOT NULL,
            model TEXT,
            endpoint TEXT NOT NULL,
            status INTEGER NOT NULL,
            latency_ms INTEGER NOT NULL,
            ttfb_ms INTEGER,
            prompt_tokens BIGINT NOT NULL,
            completion_tokens BIGINT NOT NULL,
            total_tokens BIGINT NOT NULL,
            cached_tokens BIGINT NOT NULL,
            estimated BOOLEAN NOT NULL,
            streamed BOOLEAN NOT NULL,
            client_disconnected BOOLEAN NOT NULL,
            at TIMESTAMPTZ NOT NULL,
            cost_micro_usd BIGINT,
            price_version TEXT,
            request_id TEXT,
            stored_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
        )
        """,
        "CREATE INDEX events_tenant_at ON usage.events (tenant_id, at DESC, id DESC)",
        """
        CREATE TABLE usage.rollups (
            tenant_id UUID NOT NULL,
            service TEXT NOT NULL,
            model TEXT NOT NULL,
            api_key_id UUID NOT NULL,
            hour TIMESTAMPTZ NOT NULL,
            requests BIGINT NOT NULL,
            successful BIGINT NOT NULL,
            prompt_tokens BIGINT NOT NULL,
            completion_tokens BIGINT NOT NULL,
            total_tokens BIGINT NOT NULL,
            cached_tokens BIGINT NOT NULL,
            latency_ms BIGINT NOT NULL,
            cost_micro_usd BIGINT NOT NULL,
            unpriced BIGINT NOT NULL,
            PRIMARY KEY (tenant_id, hour, service, model, api_key_id)
        )
        """,
    ]
}
