import ServiceKit

/// A tenant's routes: virtual model names and the targets that serve them (docs/routes.md).
struct CreateRoutes: SQLMigration {
    let version = 2
    let name = "create routes"
    let statements = [
        """
        CREATE TABLE proxy.routes (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL,
            name TEXT NOT NULL,
            strategy TEXT NOT NULL,
            targets JSONB NOT NULL,
            retry_on TEXT[] NOT NULL,
            cooldown_seconds INTEGER NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            UNIQUE (tenant_id, name)
        )
        """
    ]
}
