import ServiceKit

/// Encrypted credentials, the key checks of each master key version, and rewrap jobs.
struct CreateCredentials: SQLMigration {
    let version = 1
    let name = "create credentials, key checks and rewrap jobs"
    let statements = [
        """
        CREATE TABLE vault.credentials (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL,
            service TEXT NOT NULL,
            name TEXT NOT NULL,
            ciphertext BYTEA NOT NULL,
            key_version INTEGER NOT NULL,
            key_preview TEXT NOT NULL,
            meta JSONB NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        "CREATE UNIQUE INDEX credentials_name_key ON vault.credentials (tenant_id, service, name)",
        "CREATE INDEX credentials_page ON vault.credentials (tenant_id, id)",
        "CREATE INDEX credentials_version ON vault.credentials (key_version)",
        """
        CREATE TABLE vault.key_checks (
            version INTEGER PRIMARY KEY,
            sealed BYTEA NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE vault.rewrap_jobs (
            id UUID PRIMARY KEY,
            target_version INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('running', 'done')),
            total INTEGER NOT NULL,
            failed_ids UUID[] NOT NULL DEFAULT '{}',
            started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            finished_at TIMESTAMPTZ
        )
        """,
        "CREATE UNIQUE INDEX rewrap_jobs_one_running ON vault.rewrap_jobs ((true)) WHERE state = 'running'",
    ]
}
