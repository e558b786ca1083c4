import ServiceKit

/// Usage events that could not be published to JetStream yet (NATS down): kept here and
/// published later, so no call goes unmetered.
struct CreateUsageOutbox: SQLMigration {
    let version = 1
    let name = "create usage outbox"
    let statements = [
        """
        CREATE TABLE proxy.usage_outbox (
            id TEXT PRIMARY KEY,
            tenant_id UUID NOT NULL,
            event JSONB NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """
    ]
}
