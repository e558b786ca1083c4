import ServiceKit

/// Tenants and their API keys (stored as SHA-256 hashes with a short visible prefix).
struct CreateTenantsAndKeys: SQLMigration {
    let version = 1
    let name = "create tenants and api keys"
    let statements = [
        """
        CREATE TABLE gateway.tenants (
            id UUID PRIMARY KEY,
            name TEXT NOT NULL,
            slug TEXT NOT NULL,
            modules TEXT[] NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            deleting_since TIMESTAMPTZ
        )
        """,
        "CREATE UNIQUE INDEX tenants_name_key ON gateway.tenants (lower(name))",
        "CREATE UNIQUE INDEX tenants_slug_key ON gateway.tenants (slug)",
        """
        CREATE TABLE gateway.api_keys (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL REFERENCES gateway.tenants (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'proxy', 'readonly')),
            prefix TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            revoked_at TIMESTAMPTZ
        )
        """,
        "CREATE INDEX api_keys_tenant ON gateway.api_keys (tenant_id, id)",
    ]
}
