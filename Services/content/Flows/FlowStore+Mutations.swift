import Contracts
import Foundation
import Messaging
import PostgresNIO
import ServiceKit

/// The single-row statements of mutation batches.
extension FlowStore {
    func rename(chart: UUID, name: String, _ connection: PostgresConnection) async throws {
        _ = try await connection.query(
            "UPDATE content.flow_charts SET name = \(name) WHERE id = \(chart)", logger: logger)
    }

    func removeChart(_ id: UUID, tenant: UUID, _ connection: PostgresConnection) async throws {
        _ = try await connection.query(
            "DELETE FROM content.flow_charts WHERE tenant_id = \(tenant) AND id = \(id)", logger: logger)
    }

    /// The position after the chart's last node (or edge).
    func nextOrd(chart: UUID, edges: Bool, _ connection: PostgresConnection) async throws -> Int {
        let rows =
            edges
            ? try await connection.query(
                "SELECT COALESCE(max(ord) + 1, 0) FROM content.flow_edges WHERE chart_id = \(chart)", logger: logger)
            : try await connection.query(
                "SELECT COALESCE(max(ord) + 1, 0) FROM content.flow_nodes WHERE chart_id = \(chart)", logger: logger)
        return try await rows.decode(Int.self).collectAll().first ?? 0
    }

    func updateNode(_ node: FlowNode, chart: UUID, _ connection: PostgresConnection) async throws {
        _ = try await connection.query(
            """
            UPDATE content.flow_nodes SET type = \(node.type), position_x = \(node.position.x),
                position_y = \(node.position.y), width = \(node.width), height = \(node.height), data = \(node.data)
            WHERE chart_id = \(chart) AND id = \(node.id)
            """, logger: logger)
    }

    func updateEdge(_ edge: FlowEdge, chart: UUID, _ connection: PostgresConnection) async throws {
        _ = try await connection.query(
            """
            UPDATE content.flow_edges SET source = \(edge.source), target = \(edge.target),
                source_handle = \(edge.sourceHandle), target_handle = \(edge.targetHandle), type = \(edge.type),
                label = \(edge.label), animated = \(edge.animated), data = \(edge.data)
            WHERE chart_id = \(chart) AND id = \(edge.id)
            """, logger: logger)
    }

    /// Removes a node (its edges go with it); false if the chart has no such node.
    func removeNode(_ id: String, chart: UUID, _ connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM content.flow_nodes WHERE chart_id = \(chart) AND id = \(id) RETURNING id", logger: logger)
        return try await !rows.decode(String.self).collectAll().isEmpty
    }

    func removeEdge(_ id: String, chart: UUID, _ connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM content.flow_edges WHERE chart_id = \(chart) AND id = \(id) RETURNING id", logger: logger)
        return try await !rows.decode(String.self).collectAll().isEmpty
    }

    /// Which of `ids` are nodes of the chart.
    func existingNodes(_ ids: [String], chart: UUID, _ connection: PostgresConnection) async throws -> Set<String> {
        let rows = try await connection.query(
            "SELECT id FROM content.flow_nodes WHERE chart_id = \(chart) AND id = ANY(\(ids))", logger: logger)
        return Set(try await rows.decode(String.self).collectAll())
    }

    func updateType(
        tenant: UUID, id: UUID, label: String?, description: String?, _ connection: PostgresConnection
    ) async throws -> FlowNodeType? {
        _ = try await connection.query(
            """
            UPDATE content.flow_node_types SET label = COALESCE(\(label), label),
                description = COALESCE(\(description), description)
            WHERE tenant_id = \(tenant) AND id = \(id)
            """, logger: logger)
        return try await type(tenant: tenant, id: id, connection)
    }

    /// PostgreSQL's id of the current transaction.
    func transactionID(_ connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query("SELECT pg_current_xact_id()::text", logger: logger)
        return try await rows.decode(String.self).collectAll().first.flatMap { Int64($0) } ?? 0
    }
}
