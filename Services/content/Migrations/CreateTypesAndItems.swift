import ServiceKit

/// Content types (a JSON Schema each) and content items: entries, comments and reactions, with
/// the counters a parent keeps of its children.
struct CreateTypesAndItems: SQLMigration {
    let version = 1
    let name = "create content types and items"
    let statements = [
        """
        CREATE TABLE content.types (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL,
            name TEXT NOT NULL,
            description TEXT,
            schema JSONB NOT NULL,
            access_level TEXT NOT NULL CHECK (access_level IN ('user', 'elevated', 'moderator', 'admin')),
            builtin BOOLEAN NOT NULL DEFAULT false,
            version INTEGER NOT NULL DEFAULT 1,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            UNIQUE (tenant_id, name)
        )
        """,
        """
        CREATE TABLE content.items (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL,
            type_id UUID NOT NULL REFERENCES content.types (id),
            title TEXT,
            slug TEXT,
            data JSONB NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
            published_at TIMESTAMPTZ,
            access_type TEXT NOT NULL CHECK (access_type IN ('public', 'private', 'unlisted', 'restricted')),
            author_kind TEXT NOT NULL CHECK (author_kind IN ('user', 'apiKey')),
            author_id UUID NOT NULL,
            parent_id UUID REFERENCES content.items (id) ON DELETE CASCADE,
            reaction_key TEXT,
            comment_count INTEGER NOT NULL DEFAULT 0,
            upvotes INTEGER NOT NULL DEFAULT 0,
            downvotes INTEGER NOT NULL DEFAULT 0,
            emoji_counts JSONB NOT NULL DEFAULT '{}',
            reaction_total INTEGER NOT NULL DEFAULT 0,
            version INTEGER NOT NULL DEFAULT 1,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            UNIQUE (tenant_id, type_id, slug)
        )
        """,
        "CREATE INDEX items_by_type ON content.items (tenant_id, type_id, id DESC)",
        "CREATE INDEX items_by_tenant ON content.items (tenant_id, id DESC)",
        "CREATE INDEX items_by_parent ON content.items (parent_id, type_id, id) WHERE parent_id IS NOT NULL",
        """
        CREATE UNIQUE INDEX items_one_reaction ON content.items (parent_id, author_kind, author_id, reaction_key)
        WHERE reaction_key IS NOT NULL
        """,
        // Whether a caller may read an item: the one place the access rules are written (see AccessType).
        """
        CREATE FUNCTION content.readable(
            status TEXT, access_type TEXT, author_kind TEXT, author_id UUID,
            privileged BOOLEAN, caller_kind TEXT, caller_id UUID, elevated BOOLEAN, listing BOOLEAN
        ) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
            SELECT privileged
                OR (author_kind = caller_kind AND author_id = caller_id)
                OR (status = 'published' AND (access_type = 'public'
                    OR (access_type = 'unlisted' AND NOT listing)
                    OR (access_type = 'restricted' AND elevated)))
        $$
        """,
    ]
}
