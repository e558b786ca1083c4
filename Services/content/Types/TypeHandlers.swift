import Contracts
import Foundation
import Messaging

/// `/content-types`: reading is for everyone in the tenant; writing for admins (the gateway checks
/// the role, the service that built-in types stay as they are).
struct TypeHandlers: Sendable {
    let types: TypeStore
    let events: ContentEventPublisher

    func create(_ request: ContentRequest) async throws -> Reply {
        try .json(try await types.create(tenant: request.tenant, request.body(NewContentType.self)), status: 201)
    }

    func list(_ request: ContentRequest) async throws -> Reply {
        try .json(try await types.list(tenant: request.tenant, try request.page()))
    }

    func get(_ request: ContentRequest) async throws -> Reply {
        try .json(try await types.get(tenant: request.tenant, id: request.id()))
    }

    func getByName(_ request: ContentRequest) async throws -> Reply {
        let name = try request.key()
        guard UUID(parsing: name) == nil else { throw ServiceError.notFound("no content type named `\(name)`") }
        return try .json(try await types.find(tenant: request.tenant, nameOrID: name))
    }

    func update(_ request: ContentRequest) async throws -> Reply {
        let updated = try await types.update(
            tenant: request.tenant, id: request.id(), request.body(ContentTypeChanges.self))
        events.publicChanged(request.tenant)  // a renamed type moves its public URLs
        return try .json(updated)
    }

    func delete(_ request: ContentRequest) async throws -> Reply {
        try await types.delete(tenant: request.tenant, id: request.id())
        events.publicChanged(request.tenant)
        return .status(204)
    }
}
