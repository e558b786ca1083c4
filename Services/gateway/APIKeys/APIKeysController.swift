import Contracts
import Foundation
import Hummingbird
import Logging

/// `/api-keys`: a tenant's own API keys (admin keys and admin users).
struct APIKeysController: Sendable {
    let keys: APIKeyRepository
    let invalidator: CacheInvalidator
    let logger: Logger

    struct CreateKey: RequestBody {
        static let fields: Set<String> = ["name", "role"]
        var name: String
        var role: KeyRole?
    }

    struct KeyCreated: Encodable {
        var id: UUID
        var name: String
        var role: KeyRole
        var prefix: String
        var createdAt: Date
        var key: String
    }

    func register(on api: API) {
        let access = Access.tenant(users: .admin)
        api.add(
            Operation(
                method: .post, path: "/api-keys", tag: "API keys", summary: "Create an API key (shown once)",
                access: access,
                body: .object(
                    [("name", .string()), ("role", .string(enumeration: KeyRole.allCases.map(\.rawValue)))],
                    required: ["name"]),
                success: .init(status: 201, description: "Created", schema: .ref("APIKeyCreated"))), create)
        api.add(
            Operation(
                method: .get, path: "/api-keys", tag: "API keys", summary: "List the tenant's active keys (no secrets)",
                access: access, query: TenantsController.pageParameters,
                success: .init(status: 200, description: "A page of keys", schema: .ref("APIKeyPage"))), list)
        api.add(
            Operation(
                method: .delete, path: "/api-keys/{id}", tag: "API keys",
                summary: "Revoke a key on every gateway instance at once", access: access,
                success: .init(status: 204, description: "Revoked")), revoke)
    }

    @Sendable func create(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let body = try await request.decodeBody(CreateKey.self, context: context)
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw Problem.badRequest("`name` must have 1 to 100 characters") }
        let tenant = try context.tenant
        let key = NewAPIKey(name: name, role: body.role ?? .admin)
        let stored = try await keys.create(key, tenant: tenant.id)
        logger.info(
            "API key created", metadata: ["tenant.id": "\(tenant.id)", "key.id": "\(stored.id)", "role": "\(key.role)"])
        return try .json(
            KeyCreated(
                id: stored.id, name: stored.name, role: stored.role, prefix: stored.prefix, createdAt: stored.createdAt,
                key: key.plaintext), status: .created)
    }

    @Sendable func list(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try .json(try await keys.list(tenant: try context.tenant.id, try PageRequest(request)))
    }

    @Sendable func revoke(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let id = try context.parameters.id()
        let tenant = try context.tenant
        guard try await keys.revoke(id, tenant: tenant.id) else { throw Problem.notFound("no such API key") }
        invalidator.keysRevoked([id], tenant: tenant.id)
        logger.info("API key revoked", metadata: ["tenant.id": "\(tenant.id)", "key.id": "\(id)"])
        return .noContent()
    }
}
