import ServiceKit

/// Tenant users, their sessions (refresh-token families) and password resets.
struct CreateUsersAndSessions: SQLMigration {
    let version = 2
    let name = "create users, sessions and password resets"
    let statements = [
        """
        CREATE TABLE gateway.users (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL REFERENCES gateway.tenants (id) ON DELETE CASCADE,
            email TEXT NOT NULL,
            username TEXT NOT NULL,
            name TEXT,
            bio TEXT,
            avatar_url TEXT,
            role TEXT NOT NULL CHECK (role IN ('user', 'elevated', 'moderator', 'admin')),
            modules TEXT[],
            settings JSONB NOT NULL DEFAULT '{}',
            password_hash TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        "CREATE UNIQUE INDEX users_email_key ON gateway.users (tenant_id, lower(email))",
        "CREATE UNIQUE INDEX users_username_key ON gateway.users (tenant_id, lower(username))",
        "CREATE INDEX users_page ON gateway.users (tenant_id, id)",
        """
        CREATE TABLE gateway.sessions (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL,
            user_id UUID NOT NULL REFERENCES gateway.users (id) ON DELETE CASCADE,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            revoked_at TIMESTAMPTZ,
            revoked_reason TEXT
        )
        """,
        "CREATE INDEX sessions_user ON gateway.sessions (user_id)",
        """
        CREATE TABLE gateway.refresh_tokens (
            id UUID PRIMARY KEY,
            session_id UUID NOT NULL REFERENCES gateway.sessions (id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            expires_at TIMESTAMPTZ NOT NULL,
            used_at TIMESTAMPTZ
        )
        """,
        """
        CREATE TABLE gateway.password_resets (
            id UUID PRIMARY KEY,
            user_id UUID NOT NULL REFERENCES gateway.users (id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            expires_at TIMESTAMPTZ NOT NULL,
            used_at TIMESTAMPTZ
        )
        """,
    ]
}
