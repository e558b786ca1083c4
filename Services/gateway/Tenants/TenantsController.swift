import Contracts
import Foundation
import Hummingbird
import Logging
import Messaging

/// `/tenants`: the platform admin's tenant management.
struct TenantsController: Sendable {
    let tenants: TenantRepository
    let invalidator: CacheInvalidator
    let nats: NatsConnection
    let logger: Logger

    struct CreateTenant: RequestBody {
        static let fields: Set<String> = ["name", "slug", "modules"]
        var name: String
        var slug: String?
        var modules: [String]?
    }

    struct UpdateTenant: RequestBody {
        static let fields: Set<String> = ["name", "modules"]
        var name: String?
        var modules: [String]?
    }

    struct TenantCreated: Encodable {
        var id: UUID
        var name: String
        var slug: String
        var modules: [Module]
        var createdAt: Date
        var apiKey: String
    }

    func register(on api: API) {
        let body = Schema.object(
            [("name", .string()), ("slug", .string()), ("modules", Components.modules)], required: ["name"])
        api.add(
            Operation(
                method: .post, path: "/tenants", tag: "Tenants", summary: "Create a tenant and its first admin API key",
                access: .platformAdmin, body: body,
                success: .init(
                    status: 201, description: "Created; the API key is shown this once", schema: .ref("TenantCreated")),
                errors: [409: "A tenant with this name or slug exists"]), create)
        api.add(
            Operation(
                method: .get, path: "/tenants", tag: "Tenants", summary: "List tenants (never their keys)",
                access: .platformAdmin, query: Self.pageParameters,
                success: .init(status: 200, description: "A page of tenants", schema: .ref("TenantPage"))), list)
        api.add(
            Operation(
                method: .get, path: "/tenants/{id}", tag: "Tenants", summary: "Get a tenant", access: .platformAdmin,
                success: .init(status: 200, description: "The tenant", schema: .ref("Tenant"))), get)
        api.add(
            Operation(
                method: .patch, path: "/tenants/{id}", tag: "Tenants", summary: "Rename a tenant or change its modules",
                access: .platformAdmin,
                body: .object([("name", .string()), ("modules", Components.modules)]),
                success: .init(status: 200, description: "The updated tenant", schema: .ref("Tenant")),
                errors: [409: "A tenant with this name exists"]), update)
        api.add(
            Operation(
                method: .delete, path: "/tenants/{id}", tag: "Tenants",
                summary: "Delete a tenant and its data in every service", access: .platformAdmin,
                success: .init(status: 204, description: "Deleted everywhere"),
                errors: [503: "A service could not delete its part; the tenant stays disabled, retry the DELETE"]),
            delete)
        api.add(
            Operation(
                method: .post, path: "/tenants/{id}/regenerate-key", tag: "Tenants",
                summary: "Revoke the tenant's admin API keys and issue a new one", access: .platformAdmin,
                success: .init(status: 200, description: "The new key, shown this once", schema: .ref("NewKey"))),
            regenerateKey)
    }

    static let pageParameters: [Operation.Parameter] = [
        .init(name: "limit", schema: .integer(minimum: 1, maximum: 200), description: "Page size (default 50)"),
        .init(name: "cursor", schema: .string(), description: "The nextCursor of the previous page"),
    ]

    @Sendable func create(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let body = try await request.decodeBody(CreateTenant.self, context: context)
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else { throw Problem.badRequest("`name` must have 1 to 200 characters") }
        let slug = body.slug ?? Tenant.slug(from: name)
        guard Tenant.isValidSlug(slug) else {
            throw Problem.badRequest(
                body.slug == nil
                    ? "`name` yields no usable slug; send `slug` (lowercase letters, digits and single hyphens)"
                    : "`slug` must be 1 to 63 lowercase letters, digits and single hyphens")
        }
        let modules = try body.modules.map { try Module.parse($0, field: "modules") } ?? Module.allCases
        let key = NewAPIKey(name: "default", role: .admin)
        let tenant = try await tenants.create(name: name, slug: slug, modules: modules, firstKey: key)
        logger.info("tenant created", metadata: ["tenant.id": "\(tenant.id)"])
        return try .json(
            TenantCreated(
                id: tenant.id, name: tenant.name, slug: tenant.slug, modules: tenant.modules,
                createdAt: tenant.createdAt,
                apiKey: key.plaintext), status: .created)
    }

    @Sendable func list(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try .json(try await tenants.list(try PageRequest(request)))
    }

    @Sendable func get(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        guard let tenant = try await tenants.get(try context.parameters.id()) else {
            throw Problem.notFound("no such tenant")
        }
        return try .json(tenant)
    }

    @Sendable func update(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let id = try context.parameters.id()
        let body = try await request.decodeBody(UpdateTenant.self, context: context)
        let name = body.name?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let name, !(1...200).contains(name.count) {
            throw Problem.badRequest("`name` must have 1 to 200 characters")
        }
        let modules = try body.modules.map { try Module.parse($0, field: "modules") }
        guard let tenant = try await tenants.update(id, name: name, modules: modules) else {
            throw Problem.notFound("no such tenant")
        }
        invalidator.tenantChanged(id)
        return try .json(tenant)
    }

    /// Disables the tenant at once, asks every service to delete its data, purges the tenant's
    /// events from the JetStream streams (usage, mail with reset tokens, contact messages), then
    /// removes the tenant itself. A service or purge that fails leaves the tenant disabled; the
    /// DELETE can be retried.
    @Sendable func delete(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let id = try context.parameters.id()
        guard try await tenants.markDeleting(id) else { throw Problem.notFound("no such tenant") }
        invalidator.tenantChanged(id)
        let routing = {
            var routing = context.routing
            routing.tenant = id
            return routing
        }()
        let services = ServiceClient(nats: nats, timeout: .seconds(30))
        let failures = await withTaskGroup(of: String?.self) { group in
            for service in ServiceName.backends {
                group.addTask {
                    do {
                        _ = try await services.call(Subjects.tenantDeletion(service), routing: routing, headers: [:])
                        return nil
                    } catch {
                        logger.error(
                            "tenant deletion failed in a service",
                            metadata: ["tenant.id": "\(id)", "service": "\(service.rawValue)", "error": "\(error)"])
                        return service.rawValue
                    }
                }
            }
            return await group.reduce(into: [String]()) { if let failed = $1 { $0.append(failed) } }
        }
        var purgeFailures: [String] = []
        if failures.isEmpty {
            for (stream, subject) in Subjects.tenantEvents(id) {
                do {
                    let purged = try await nats.jetStream.purge(stream: stream, subject: subject)
                    logger.info(
                        "purged a tenant's events",
                        metadata: ["tenant.id": "\(id)", "stream": "\(stream)", "messages": "\(purged)"])
                } catch {
                    logger.error(
                        "purging a tenant's events failed",
                        metadata: ["tenant.id": "\(id)", "stream": "\(stream)", "error": "\(error)"])
                    purgeFailures.append("the \(stream) stream")
                }
            }
        }
        let failed = failures.sorted() + purgeFailures
        guard failed.isEmpty else {
            throw Problem.unavailable(
                "could not delete the tenant's data in: \(failed.joined(separator: ", ")); "
                    + "the tenant stays disabled; retry the DELETE")
        }
        try await tenants.delete(id)
        logger.info("tenant deleted", metadata: ["tenant.id": "\(id)"])
        return .noContent()
    }

    @Sendable func regenerateKey(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let id = try context.parameters.id()
        let key = NewAPIKey(name: "default", role: .admin)
        guard let revoked = try await tenants.regenerateAdminKey(id, newKey: key) else {
            throw Problem.notFound("no such tenant")
        }
        invalidator.keysRevoked(revoked, tenant: id)
        return try .json(["apiKey": key.plaintext])
    }
}
