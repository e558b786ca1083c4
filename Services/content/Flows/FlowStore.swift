import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// Charts, nodes, edges and node types in `content.flow_*`, every query scoped by tenant. The
/// statements take a connection so that a request, or a whole mutation batch, runs in one
/// transaction.
struct FlowStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    // MARK: - Charts

    func create(tenant: UUID, author: Author, name: String, nodes: [FlowNode], edges: [FlowEdge]) async throws
        -> FlowChart
    {
        let id = UUID.v7()
        return try await client.transaction(logger: logger) { connection in
            try await insertChart(id, tenant: tenant, author: author, name: name, connection)
            try await checkNodeTypes(nodes, tenant: tenant, field: { "nodes[\($0)].type" }, connection)
            try await upsertNodes(nodes, tenant: tenant, chart: id, firstOrd: 0, connection)
            try await insertEdges(edges, tenant: tenant, chart: id, firstOrd: 0, connection)
            return try await chart(id, tenant: tenant, connection)!
        }
    }

    func get(tenant: UUID, id: UUID) async throws -> FlowChart? {
        try await client.withConnection { connection in try await chart(id, tenant: tenant, connection) }
    }

    func list(tenant: UUID, page: PageQuery) async throws -> Page<FlowChartSummary> {
        let rows = try await client.query(
            """
            SELECT c.id, c.name,
                (SELECT count(*) FROM content.flow_nodes n WHERE n.chart_id = c.id),
                (SELECT count(*) FROM content.flow_edges e WHERE e.chart_id = c.id),
                c.author_kind, c.author_id, c.version, c.created_at, c.updated_at
            FROM content.flow_charts c
            WHERE c.tenant_id = \(tenant) AND (\(page.after)::uuid IS NULL OR c.id < \(page.after))
            ORDER BY c.id DESC LIMIT \(page.limit + 1)
            """, logger: logger)
        var charts: [FlowChartSummary] = []
        for try await (id, name, nodes, edges, kind, author, version, created, updated) in rows.decode(
            (UUID, String, Int, Int, String, UUID, Int, Date, Date).self)
        {
            charts.append(
                FlowChartSummary(
                    id: id, name: name, nodeCount: nodes, edgeCount: edges,
                    author: Author(column: kind, id: author), version: version,
                    createdAt: created, updatedAt: updated))
        }
        return page.page(charts, id: \.id)
    }

    /// Replaces what `changes` holds: the name; all nodes (ones left out are removed with their
    /// edges); all edges (which must join nodes the chart has afterwards).
    func update(
        tenant: UUID, id: UUID, name: String?, nodes: [FlowNode]?, edges: [FlowEdge]?, expectedVersion: Int?
    ) async throws -> FlowChart {
        try await client.transaction(logger: logger) { connection in
            guard let current = try await lockChart(id, tenant: tenant, connection) else {
                throw ServiceError.notFound("no such chart")
            }
            if let expectedVersion, expectedVersion != current.version {
                throw ServiceError.conflict("the chart is at version \(current.version), not \(expectedVersion)")
            }
            if let edges {
                let kept: Set<String>
                if let nodes { kept = Set(nodes.map(\.id)) } else { kept = try await nodeIDs(chart: id, connection) }
                try FlowRules.checkEndpoints(edges, nodeIDs: kept)
            }
            if let name {
                _ = try await connection.query(
                    "UPDATE content.flow_charts SET name = \(name) WHERE id = \(id)", logger: logger)
            }
            if let nodes {
                try await checkNodeTypes(nodes, tenant: tenant, field: { "nodes[\($0)].type" }, connection)
                _ = try await connection.query(
                    """
                    DELETE FROM content.flow_nodes
                    WHERE tenant_id = \(tenant) AND chart_id = \(id) AND NOT (id = ANY(\(nodes.map(\.id))))
                    """, logger: logger)
                try await upsertNodes(nodes, tenant: tenant, chart: id, firstOrd: 0, connection)
            }
            if let edges {
                _ = try await connection.query(
                    "DELETE FROM content.flow_edges WHERE tenant_id = \(tenant) AND chart_id = \(id)", logger: logger)
                try await insertEdges(edges, tenant: tenant, chart: id, firstOrd: 0, connection)
            }
            try await touch(id, connection)
            return try await chart(id, tenant: tenant, connection)!
        }
    }

    /// Deletes a chart (its nodes and edges go with it) if `caller` may: its author or a privileged caller.
    func delete(tenant: UUID, id: UUID, caller: Caller) async throws {
        try await client.transaction(logger: logger) { connection in
            guard let current = try await lockChart(id, tenant: tenant, connection) else {
                throw ServiceError.notFound("no such chart")
            }
            try Self.checkMayDelete(caller, author: current.author, what: "chart")
            _ = try await connection.query(
                "DELETE FROM content.flow_charts WHERE tenant_id = \(tenant) AND id = \(id)", logger: logger)
        }
    }

    static func checkMayDelete(_ caller: Caller, author: Author, what: String) throws {
        guard caller.mayManage(author) else {
            throw ServiceError.forbidden("only the \(what)'s author, a moderator or an admin may delete it")
        }
    }

    // MARK: - Node types

    func createType(tenant: UUID, _ body: NewFlowNodeType) async throws -> FlowNodeType {
        try await client.withConnection { connection in
            try await insertType(tenant: tenant, id: UUID.v7(), body, connection)
        }
    }

    func listTypes(tenant: UUID, page: PageQuery) async throws -> Page<FlowNodeType> {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.typeColumns) FROM content.flow_node_types
            WHERE tenant_id = \(tenant) AND (\(page.after)::uuid IS NULL OR id > \(page.after))
            ORDER BY id LIMIT \(page.limit + 1)
            """, logger: logger)
        return page.page(try await Self.decodeTypes(rows), id: \.id)
    }

    func deleteType(tenant: UUID, id: UUID) async throws {
        try await client.transaction(logger: logger) { connection in
            try await removeType(tenant: tenant, id: id, connection)
        }
    }

    // MARK: - Statements

    func insertChart(_ id: UUID, tenant: UUID, author: Author, name: String, _ connection: PostgresConnection)
        async throws
    {
        _ = try await connection.query(
            """
            INSERT INTO content.flow_charts (id, tenant_id, name, author_kind, author_id)
            VALUES (\(id), \(tenant), \(name), \(author.kind.rawValue), \(author.id))
            """, logger: logger)
    }

    /// The chart's version and author, its row locked for the rest of the transaction.
    func lockChart(_ id: UUID, tenant: UUID, _ connection: PostgresConnection) async throws
        -> (version: Int, author: Author)?
    {
        let rows = try await connection.query(
            """
            SELECT version, author_kind, author_id FROM content.flow_charts
            WHERE tenant_id = \(tenant) AND id = \(id) FOR UPDATE
            """, logger: logger)
        for try await (version, kind, author) in rows.decode((Int, String, UUID).self) {
            return (version, Author(column: kind, id: author))
        }
        return nil
    }

    /// One version more for a changed chart.
    func touch(_ id: UUID, _ connection: PostgresConnection) async throws {
        _ = try await connection.query(
            "UPDATE content.flow_charts SET version = version + 1, updated_at = now() WHERE id = \(id)",
            logger: logger)
    }

    func nodeIDs(chart: UUID, _ connection: PostgresConnection) async throws -> Set<String> {
        let rows = try await connection.query(
            "SELECT id FROM content.flow_nodes WHERE chart_id = \(chart)", logger: logger)
        return Set(try await rows.decode(String.self).collectAll())
    }

    /// Inserts nodes, in one statement; nodes the chart has with the same ids are replaced, or
    /// with `replacing` false left as they are. Returns how many rows were written.
    @discardableResult
    func upsertNodes(
        _ nodes: [FlowNode], tenant: UUID, chart: UUID, firstOrd: Int, replacing: Bool = true,
        _ connection: PostgresConnection
    ) async throws -> Int {
        guard !nodes.isEmpty else { return 0 }
        let rows = JSONValue.array(
            nodes.enumerated().map { index, node in
                var row: [String: JSONValue] = [
                    "id": .string(node.id), "ord": .number(Double(firstOrd + index)), "type": .string(node.type),
                    "x": .number(node.position.x), "y": .number(node.position.y), "data": node.data,
                ]
                if let width = node.width { row["width"] = .number(width) }
                if let height = node.height { row["height"] = .number(height) }
                return .object(row)
            })
        let onConflict =
            replacing
            ? """
            DO UPDATE SET ord = EXCLUDED.ord, type = EXCLUDED.type, position_x = EXCLUDED.position_x,
                position_y = EXCLUDED.position_y, width = EXCLUDED.width, height = EXCLUDED.height, data = EXCLUDED.data
            """ : "DO NOTHING"
        let written = try await connection.query(
            """
            INSERT INTO content.flow_nodes (tenant_id, chart_id, id, ord, type, position_x, position_y, width, height, data)
            SELECT \(tenant), \(chart), n.id, n.ord, n.type, n.x, n.y, n.width, n.height, n.data
            FROM jsonb_to_recordset(\(rows)::jsonb)
                AS n(id text, ord integer, type text, x float8, y float8, width float8, height float8, data jsonb)
            ON CONFLICT (chart_id, id) \(unescaped: onConflict)
            RETURNING 1
            """, logger: logger)
        return try await written.collect().count
    }

    /// Inserts edges (replacing ones with the same ids, or with `replacing` false leaving them);
    /// their endpoints must be nodes of `chart`. Returns how many rows were written.
    @discardableResult
    func insertEdges(
        _ edges: [FlowEdge], tenant: UUID, chart: UUID, firstOrd: Int, replacing: Bool = true,
        _ connection: PostgresConnection
    ) async throws -> Int {
        guard !edges.isEmpty else { return 0 }
        let rows = JSONValue.array(
            edges.enumerated().map { index, edge in
                var row: [String: JSONValue] = [
                    "id": .string(edge.id), "ord": .number(Double(firstOrd + index)), "source": .string(edge.source),
                    "target": .string(edge.target),
                ]
                if let handle = edge.sourceHandle { row["source_handle"] = .string(handle) }
                if let handle = edge.targetHandle { row["target_handle"] = .string(handle) }
                if let type = edge.type { row["type"] = .string(type) }
                if let label = edge.label { row["label"] = .string(label) }
                if let animated = edge.animated { row["animated"] = .bool(animated) }
                if let data = edge.data { row["data"] = data }
                return .object(row)
            })
        let onConflict =
            replacing
            ? """
            DO UPDATE SET ord = EXCLUDED.ord, source = EXCLUDED.source, target = EXCLUDED.target,
                source_handle = EXCLUDED.source_handle, target_handle = EXCLUDED.target_handle, type = EXCLUDED.type,
                label = EXCLUDED.label, animated = EXCLUDED.animated, data = EXCLUDED.data
            """ : "DO NOTHING"
        do {
            let written = try await connection.query(
                """
                INSERT INTO content.flow_edges (tenant_id, chart_id, id, ord, source, target, source_handle,
                    target_handle, type, label, animated, data)
                SELECT \(tenant), \(chart), e.id, e.ord, e.source, e.target, e.source_handle, e.target_handle,
                    e.type, e.label, e.animated, e.data
                FROM jsonb_to_recordset(\(rows)::jsonb) AS e(id text, ord integer, source text, target text,
                    source_handle text, target_handle text, type text, label text, animated boolean, data jsonb)
                ON CONFLICT (chart_id, id) \(unescaped: onConflict)
                RETURNING 1
                """, logger: logger)
            return try await written.collect().count
        } catch  where DatabaseErrors.isForeignKeyViolation(error) {
            throw ServiceError.unprocessable("an edge joins a node that is not in its chart")
        }
    }

    /// Refuses a node type that is neither built-in nor the tenant's, naming the first node that
    /// has it. The tenant's types are share-locked so none is deleted under the new nodes.
    func checkNodeTypes(
        _ nodes: [FlowNode], tenant: UUID, field: (Int) -> String, _ connection: PostgresConnection
    ) async throws {
        let custom = Set(nodes.map(\.type)).subtracting(FlowRules.builtinNodeTypes)
        guard !custom.isEmpty else { return }
        let rows = try await connection.query(
            """
            SELECT name FROM content.flow_node_types
            WHERE tenant_id = \(tenant) AND name = ANY(\(Array(custom))) FOR SHARE
            """, logger: logger)
        let known = Set(try await rows.decode(String.self).collectAll())
        guard
            let index = nodes.firstIndex(where: {
                !FlowRules.builtinNodeTypes.contains($0.type) && !known.contains($0.type)
            })
        else { return }
        throw ServiceError.unprocessable(
            "`\(field(index))`: `\(nodes[index].type)` is neither a built-in node type (default, input, output, group) nor one of the tenant's node types"
        )
    }

    func insertType(tenant: UUID, id: UUID, _ body: NewFlowNodeType, _ connection: PostgresConnection) async throws
        -> FlowNodeType
    {
        try FlowRules.checkTypeName(body.name, field: "name")
        guard !FlowRules.builtinNodeTypes.contains(body.name) else {
            throw ServiceError.conflict("`\(body.name)` is a built-in node type")
        }
        if let label = body.label { try ClientID.checkName(label, field: "label") }
        if let description = body.description, description.count > 2_000 {
            throw ServiceError.badRequest("`description` must be at most 2000 characters")
        }
        do {
            let rows = try await connection.query(
                """
                INSERT INTO content.flow_node_types (id, tenant_id, name, label, description)
                VALUES (\(id), \(tenant), \(body.name), \(body.label), \(body.description))
                RETURNING \(unescaped: Self.typeColumns)
                """, logger: logger)
            return try await Self.decodeTypes(rows)[0]
        } catch  where DatabaseErrors.uniqueViolation(error) != nil {
            throw ServiceError.conflict("a node type named `\(body.name)` (or with this id) already exists")
        }
    }

    /// Removes a node type no node uses.
    func removeType(tenant: UUID, id: UUID, _ connection: PostgresConnection) async throws {
        let rows = try await connection.query(
            "SELECT name FROM content.flow_node_types WHERE tenant_id = \(tenant) AND id = \(id) FOR UPDATE",
            logger: logger)
        guard let name = try await rows.decode(String.self).collectAll().first else {
            throw ServiceError.notFound("no such node type")
        }
        let used = try await connection.query(
            "SELECT count(*) FROM content.flow_nodes WHERE tenant_id = \(tenant) AND type = \(name)", logger: logger)
        let count = try await used.decode(Int.self).collectAll().first ?? 0
        guard count == 0 else {
            throw ServiceError.conflict("\(count) node(s) have the type `\(name)`; change or remove them first")
        }
        _ = try await connection.query(
            "DELETE FROM content.flow_node_types WHERE tenant_id = \(tenant) AND id = \(id)", logger: logger)
    }

    func type(tenant: UUID, id: UUID, _ connection: PostgresConnection) async throws -> FlowNodeType? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.typeColumns) FROM content.flow_node_types WHERE tenant_id = \(tenant) AND id = \(id)",
            logger: logger)
        return try await Self.decodeTypes(rows).first
    }

    // MARK: - Reading

    private static let nodeJSON = """
        jsonb_strip_nulls(jsonb_build_object('id', n.id, 'type', n.type,
            'position', jsonb_build_object('x', n.position_x, 'y', n.position_y),
            'width', n.width, 'height', n.height)) || jsonb_build_object('data', n.data)
        """
    private static let edgeJSON = """
        jsonb_strip_nulls(jsonb_build_object('id', e.id, 'source', e.source, 'target', e.target,
            'sourceHandle', e.source_handle, 'targetHandle', e.target_handle, 'type', e.type, 'label', e.label,
            'animated', e.animated))
        || CASE WHEN e.data IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('data', e.data) END
        """

    /// A chart with its nodes and edges, read in one statement (one snapshot).
    func chart(_ id: UUID, tenant: UUID, _ connection: PostgresConnection) async throws -> FlowChart? {
        let rows = try await connection.query(
            """
            SELECT c.id, c.name, c.author_kind, c.author_id, c.version, c.created_at, c.updated_at,
                (SELECT COALESCE(jsonb_agg(\(unescaped: Self.nodeJSON) ORDER BY n.ord, n.id), '[]'::jsonb)::text
                 FROM content.flow_nodes n WHERE n.chart_id = c.id AND n.tenant_id = c.tenant_id),
                (SELECT COALESCE(jsonb_agg(\(unescaped: Self.edgeJSON) ORDER BY e.ord, e.id), '[]'::jsonb)::text
                 FROM content.flow_edges e WHERE e.chart_id = c.id AND e.tenant_id = c.tenant_id)
            FROM content.flow_charts c WHERE c.tenant_id = \(tenant) AND c.id = \(id)
            """, logger: logger)
        let decoder = JSONDecoder()
        for try await (id, name, kind, author, version, created, updated, nodes, edges) in rows.decode(
            (UUID, String, String, UUID, Int, Date, Date, String, String).self)
        {
            return FlowChart(
                id: id, name: name, nodes: try decoder.decode([FlowNode].self, from: Data(nodes.utf8)),
                edges: try decoder.decode([FlowEdge].self, from: Data(edges.utf8)),
                author: Author(column: kind, id: author), version: version,
                createdAt: created, updatedAt: updated)
        }
        return nil
    }

    func node(_ id: String, chart: UUID, _ connection: PostgresConnection) async throws -> FlowNode? {
        let rows = try await connection.query(
            "SELECT (\(unescaped: Self.nodeJSON))::text FROM content.flow_nodes n WHERE n.chart_id = \(chart) AND n.id = \(id)",
            logger: logger)
        guard let text = try await rows.decode(String.self).collectAll().first else { return nil }
        return try JSONDecoder().decode(FlowNode.self, from: Data(text.utf8))
    }

    func edge(_ id: String, chart: UUID, _ connection: PostgresConnection) async throws -> FlowEdge? {
        let rows = try await connection.query(
            "SELECT (\(unescaped: Self.edgeJSON))::text FROM content.flow_edges e WHERE e.chart_id = \(chart) AND e.id = \(id)",
            logger: logger)
        guard let text = try await rows.decode(String.self).collectAll().first else { return nil }
        return try JSONDecoder().decode(FlowEdge.self, from: Data(text.utf8))
    }

    /// The chart's node and edge counts.
    func counts(chart: UUID, _ connection: PostgresConnection) async throws -> (nodes: Int, edges: Int) {
        let rows = try await connection.query(
            """
            SELECT (SELECT count(*) FROM content.flow_nodes WHERE chart_id = \(chart)),
                   (SELECT count(*) FROM content.flow_edges WHERE chart_id = \(chart))
            """, logger: logger)
        for try await (nodes, edges) in rows.decode((Int, Int).self) { return (nodes, edges) }
        return (0, 0)
    }

    private static let typeColumns = "id, name, label, description, created_at"

    private static func decodeTypes(_ rows: PostgresRowSequence) async throws -> [FlowNodeType] {
        var types: [FlowNodeType] = []
        for try await (id, name, label, description, created) in rows.decode(
            (UUID, String, String?, String?, Date).self)
        {
            types.append(FlowNodeType(id: id, name: name, label: label, description: description, createdAt: created))
        }
        return types
    }
}
