import ServiceKit

/// 3D scenes: a scene graph kept whole as JSON (checked before it is stored: ids unique, parents
/// in the scene, no cycles, unit quaternions), a name, and whether the public routes serve it.
struct CreateScenes: SQLMigration {
    let version = 4
    let name = "create scenes"
    let statements = [
        """
        CREATE TABLE content.scenes (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL,
            name TEXT NOT NULL,
            public BOOLEAN NOT NULL DEFAULT false,
            nodes JSONB NOT NULL,
            author_kind TEXT NOT NULL CHECK (author_kind IN ('user', 'apiKey')),
            author_id UUID NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX scenes_by_tenant ON content.scenes (tenant_id, id DESC)",
    ]
}
