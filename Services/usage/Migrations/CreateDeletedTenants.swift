import ServiceKit

/// Tenants deleted: events of theirs still on their way (in the stream, in a proxy's outbox)
/// must not write their rows again.
struct CreateDeletedTenants: SQLMigration {
    let version = 2
    let name = "record deleted tenants"
    let statements = [
        """
        CREATE TABLE usage.deleted_tenants (
            tenant_id UUID PRIMARY KEY,
            deleted_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """
    ]
}
