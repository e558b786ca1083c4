import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// Scenes in `content.scenes`, every query scoped by tenant; the node graph is one JSON column.
struct SceneStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    private static let columns = """
        id, name, public, nodes::text, author_kind, author_id, version, created_at, updated_at
        """

    func create(tenant: UUID, author: Author, name: String, isPublic: Bool, nodes: [SceneNode]) async throws -> Scene {
        let rows = try await client.query(
            """
            INSERT INTO content.scenes (id, tenant_id, name, public, nodes, author_kind, author_id)
            VALUES (\(UUID.v7()), \(tenant), \(name), \(isPublic), \(try Self.json(nodes))::jsonb,
                \(author.kind.rawValue), \(author.id))
            RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        return try await Self.decode(rows)[0]
    }

    func get(tenant: UUID, id: UUID) async throws -> Scene? {
        let rows = try await client.query(
            "SELECT \(unescaped: Self.columns) FROM content.scenes WHERE tenant_id = \(tenant) AND id = \(id)",
            logger: logger)
        return try await Self.decode(rows).first
    }

    /// A scene the public routes may serve.
    func getPublic(tenant: UUID, id: UUID) async throws -> Scene? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM content.scenes
            WHERE tenant_id = \(tenant) AND id = \(id) AND public
            """, logger: logger)
        return try await Self.decode(rows).first
    }

    func list(tenant: UUID, page: PageQuery) async throws -> Page<SceneSummary> {
        let rows = try await client.query(
            """
            SELECT id, name, public, jsonb_array_length(nodes), author_kind, author_id, version, created_at, updated_at
            FROM content.scenes
            WHERE tenant_id = \(tenant) AND (\(page.after)::uuid IS NULL OR id < \(page.after))
            ORDER BY id DESC LIMIT \(page.limit + 1)
            """, logger: logger)
        var scenes: [SceneSummary] = []
        for try await (id, name, isPublic, count, kind, author, version, created, updated) in rows.decode(
            (UUID, String, Bool, Int, String, UUID, Int, Date, Date).self)
        {
            scenes.append(
                SceneSummary(
                    id: id, name: name, public: isPublic, nodeCount: count,
                    author: Author(column: kind, id: author), version: version,
                    createdAt: created, updatedAt: updated))
        }
        return page.page(scenes, id: \.id)
    }

    /// Writes the changes if the scene is still at `version`.
    func update(
        tenant: UUID, id: UUID, version: Int, name: String?, isPublic: Bool?, nodes: [SceneNode]?
    ) async throws -> Scene {
        let json = try nodes.map(Self.json)
        let rows = try await client.query(
            """
            UPDATE content.scenes SET name = COALESCE(\(name), name), public = COALESCE(\(isPublic), public),
                nodes = COALESCE(\(json)::jsonb, nodes), version = version + 1, updated_at = now()
            WHERE tenant_id = \(tenant) AND id = \(id) AND version = \(version)
            RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        guard let scene = try await Self.decode(rows).first else {
            throw ServiceError.conflict("the scene changed meanwhile (it is no longer at version \(version))")
        }
        return scene
    }

    func delete(tenant: UUID, id: UUID) async throws {
        _ = try await client.query(
            "DELETE FROM content.scenes WHERE tenant_id = \(tenant) AND id = \(id)", logger: logger)
    }

    private static func json(_ nodes: [SceneNode]) throws -> String {
        String(decoding: try JSONEncoder().encode(nodes), as: UTF8.self)
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [Scene] {
        var scenes: [Scene] = []
        let decoder = JSONDecoder()
        for try await (id, name, isPublic, nodes, kind, author, version, created, updated) in rows.decode(
            (UUID, String, Bool, String, String, UUID, Int, Date, Date).self)
        {
            scenes.append(
                Scene(
                    id: id, name: name, public: isPublic,
                    nodes: try decoder.decode([SceneNode].self, from: Data(nodes.utf8)),
                    author: Author(column: kind, id: author), version: version,
                    createdAt: created, updatedAt: updated))
        }
        return scenes
    }
}
