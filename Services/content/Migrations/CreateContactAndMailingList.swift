import ServiceKit

/// The contact form's messages, the mailing list's subscribers, and the recent public form
/// submissions per client address that the rate limit counts.
struct CreateContactAndMailingList: SQLMigration {
    let version = 2
    let name = "create contact messages, subscribers and public submissions"
    let statements = [
        """
        CREATE TABLE content.contact_messages (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL,
            name TEXT NOT NULL,
            email TEXT NOT NULL,
            subject TEXT,
            message TEXT NOT NULL,
            category TEXT,
            metadata JSONB,
            status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'read', 'replied', 'archived')),
            client_address TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX contact_messages_by_tenant ON content.contact_messages (tenant_id, id DESC)",
        """
        CREATE TABLE content.subscribers (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL,
            email TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'subscribed', 'unsubscribed')),
            source TEXT,
            metadata JSONB,
            confirm_nonce TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            confirmed_at TIMESTAMPTZ,
            unsubscribed_at TIMESTAMPTZ,
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            UNIQUE (tenant_id, email)
        )
        """,
        "CREATE INDEX subscribers_by_tenant ON content.subscribers (tenant_id, id)",
        """
        CREATE TABLE content.public_submissions (
            tenant_id UUID NOT NULL,
            client_address TEXT NOT NULL,
            at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX public_submissions_by_address ON content.public_submissions (tenant_id, client_address, at)",
    ]
}
