import ServiceKit

/// 2D flows: charts, their nodes and edges (React Flow's shapes, ids chosen by the client and
/// unique within a chart), and the tenant's own node types. An edge's endpoints are foreign keys
/// into its own chart's nodes, so an edge can never join nodes of two charts, and removing a
/// node removes its edges.
struct CreateFlows: SQLMigration {
    let version = 3
    let name = "create flow charts, nodes, edges and node types"
    let statements = [
        """
        CREATE TABLE content.flow_charts (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL,
            name TEXT NOT NULL,
            author_kind TEXT NOT NULL CHECK (author_kind IN ('user', 'apiKey')),
            author_id UUID NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX flow_charts_by_tenant ON content.flow_charts (tenant_id, id DESC)",
        """
        CREATE TABLE content.flow_nodes (
            tenant_id UUID NOT NULL,
            chart_id UUID NOT NULL REFERENCES content.flow_charts (id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            ord INTEGER NOT NULL,
            type TEXT NOT NULL,
            position_x DOUBLE PRECISION NOT NULL,
            position_y DOUBLE PRECISION NOT NULL,
            width DOUBLE PRECISION,
            height DOUBLE PRECISION,
            data JSONB NOT NULL,
            PRIMARY KEY (chart_id, id)
        )
        """,
        "CREATE INDEX flow_nodes_by_type ON content.flow_nodes (tenant_id, type)",
        """
        CREATE TABLE content.flow_edges (
            tenant_id UUID NOT NULL,
            chart_id UUID NOT NULL REFERENCES content.flow_charts (id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            ord INTEGER NOT NULL,
            source TEXT NOT NULL,
            target TEXT NOT NULL,
            source_handle TEXT,
            target_handle TEXT,
            type TEXT,
            label TEXT,
            animated BOOLEAN,
            data JSONB,
            PRIMARY KEY (chart_id, id),
            FOREIGN KEY (chart_id, source) REFERENCES content.flow_nodes (chart_id, id) ON DELETE CASCADE,
            FOREIGN KEY (chart_id, target) REFERENCES content.flow_nodes (chart_id, id) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX flow_edges_by_source ON content.flow_edges (chart_id, source)",
        "CREATE INDEX flow_edges_by_target ON content.flow_edges (chart_id, target)",
        """
        CREATE TABLE content.flow_node_types (
            id UUID PRIMARY KEY,
            tenant_id UUID NOT NULL,
            name TEXT NOT NULL,
            label TEXT,
            description TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            UNIQUE (tenant_id, name)
        )
        """,
    ]
}
