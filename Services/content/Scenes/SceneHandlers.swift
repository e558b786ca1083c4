import Contracts
import Foundation
import Messaging
import ServiceKit

/// `/scenes`, `/scenes/{id}/gltf` and the public scene routes. Everyone in the tenant with the
/// scenes module reads scenes and edits their name and nodes; making a scene public or private
/// and deleting it is for its author, moderators and admins.
struct SceneHandlers: Sendable {
    let store: SceneStore
    let events: ContentEventPublisher

    func create(_ request: ContentRequest) async throws -> Reply {
        let body = try request.body(NewScene.self)
        guard let author = request.caller.author else { throw ServiceError.forbidden("sign in to create scenes") }
        try ClientID.checkName(body.name, field: "name")
        let nodes = try SceneGraph.nodes(body.nodes ?? [])
        let scene = try await store.create(
            tenant: request.tenant, author: author, name: body.name, isPublic: body.public ?? false, nodes: nodes)
        if scene.public { events.publicChanged(request.tenant) }
        return try .json(scene, status: 201)
    }

    func list(_ request: ContentRequest) async throws -> Reply {
        try .json(try await store.list(tenant: request.tenant, page: try request.page()))
    }

    func get(_ request: ContentRequest) async throws -> Reply {
        try .json(try await scene(request))
    }

    func update(_ request: ContentRequest) async throws -> Reply {
        let changes = try request.body(SceneChanges.self)
        if let name = changes.name { try ClientID.checkName(name, field: "name") }
        let nodes = try changes.nodes.map(SceneGraph.nodes)
        let current = try await scene(request)
        if let isPublic = changes.public, isPublic != current.public {
            try Self.checkMayPublish(request.caller, current)
        }
        if let expected = changes.expectedVersion, expected != current.version {
            throw ServiceError.conflict("the scene is at version \(current.version), not \(expected)")
        }
        let updated = try await store.update(
            tenant: request.tenant, id: current.id, version: current.version, name: changes.name,
            isPublic: changes.public, nodes: nodes)
        if current.public || updated.public { events.publicChanged(request.tenant) }
        return try .json(updated)
    }

    func delete(_ request: ContentRequest) async throws -> Reply {
        let current = try await scene(request)
        try Self.checkMayPublish(request.caller, current, deleting: true)
        try await store.delete(tenant: request.tenant, id: current.id)
        if current.public { events.publicChanged(request.tenant) }
        return .status(204)
    }

    /// `GET /scenes/{id}/gltf`.
    func gltf(_ request: ContentRequest) async throws -> Reply {
        try Self.gltfReply(try await scene(request))
    }

    // MARK: - Public

    /// `GET /public/{tenantSlug}/scenes/{id}` (`Resource-Key` = the id).
    func publicGet(_ request: ContentRequest) async throws -> Reply {
        try .json(try await publicScene(request).published)
    }

    func publicGLTF(_ request: ContentRequest) async throws -> Reply {
        try Self.gltfReply(try await publicScene(request))
    }

    private func publicScene(_ request: ContentRequest) async throws -> Scene {
        guard let id = UUID(parsing: try request.key()),
            let scene = try await store.getPublic(tenant: request.tenant, id: id)
        else { throw ServiceError.notFound("no such scene") }
        return scene
    }

    // MARK: - Rules

    private func scene(_ request: ContentRequest) async throws -> Scene {
        guard let scene = try await store.get(tenant: request.tenant, id: try request.id()) else {
            throw ServiceError.notFound("no such scene")
        }
        return scene
    }

    private static func checkMayPublish(_ caller: Caller, _ scene: Scene, deleting: Bool = false) throws {
        guard caller.mayManage(scene.author) else {
            throw ServiceError.forbidden(
                deleting
                    ? "only the scene's author, a moderator or an admin may delete it"
                    : "only the scene's author, a moderator or an admin may change whether it is public")
        }
    }

    private static func gltfReply(_ scene: Scene) throws -> Reply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return .payload(Array(try encoder.encode(GLTFDocument(scene).json)), contentType: "model/gltf+json")
    }
}
