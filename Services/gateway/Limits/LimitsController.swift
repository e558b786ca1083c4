import Contracts
import Foundation
import Hummingbird
import Messaging

/// `/limits` (a tenant's own) and `/tenants/{id}/limits` (the platform operator's, which the
/// tenant sees and may not change): request and token limits and spend budgets, kept by the usage
/// service and enforced on every AI call by the proxy (docs/limits.md).
struct LimitsController: Sendable {
    let usage: ServiceClient
    let keys: APIKeyRepository
    let users: UserRepository
    let tenants: TenantRepository

    func register(on api: API) {
        let access = Access.tenant(module: .aiProxy, users: .admin)
        let tag = "Limits"
        let body = Schema.object(
            [
                ("name", .nullable(.string())),
                ("apiKeyId", .nullable(.uuid)), ("userId", .nullable(.uuid)),
                ("service", .nullable(.string(enumeration: ProviderID.services))),
                ("model", .nullable(.string(description: "`service/model`, or a route's name"))),
                ("window", .nullable(.string(enumeration: LimitUnit.windows.map(\.rawValue)))),
                ("requests", .nullable(.integer(minimum: 0))), ("tokens", .nullable(.integer(minimum: 0))),
                ("period", .nullable(.string(enumeration: LimitUnit.periods.map(\.rawValue)))),
                ("budgetMicroUsd", .nullable(.integer(minimum: 0))),
            ])
        let errors: [Int: String] = [
            422: "Not a limit: no count, a window or period missing, an unknown API key or user, ...",
            429: "Rate limited; see Retry-After",
        ]
        api.add(
            Operation(
                method: .post, path: "/limits", tag: tag, summary: "Set a request, token or spend limit",
                access: access, body: body, success: .init(status: 201, description: "Set", schema: .ref("Limit")),
                errors: errors)
        ) { request, context in
            let input = try await checked(request, context: context, tenant: try context.tenant.id)
            return try await forward(LimitSubjects.create, input, context: context, status: .created)
        }
        api.add(
            Operation(
                method: .get, path: "/limits", tag: tag, summary: "The tenant's limits (its own and the platform's)",
                access: access, success: .init(status: 200, description: "Every limit", schema: .ref("LimitList")))
        ) { _, context in
            try await forward(LimitSubjects.list, context: context)
        }
        api.add(
            Operation(
                method: .get, path: "/limits/{id}", tag: tag, summary: "A limit and its current use", access: access,
                success: .init(status: 200, description: "The limit", schema: .ref("Limit")))
        ) { _, context in
            try await forward(LimitSubjects.get, context: context, resource: try context.parameters.id())
        }
        api.add(
            Operation(
                method: .patch, path: "/limits/{id}", tag: tag,
                summary: "Change a limit (the fields sent; null clears one)", access: access, body: body,
                success: .init(status: 200, description: "The limit", schema: .ref("Limit")),
                errors: errors.merging([403: "The platform operator set this limit"]) { $1 })
        ) { request, context in
            let input = try await checked(request, context: context, tenant: try context.tenant.id)
            return try await forward(
                LimitSubjects.update, input, context: context, resource: try context.parameters.id())
        }
        api.add(
            Operation(
                method: .delete, path: "/limits/{id}", tag: tag, summary: "Remove a limit", access: access,
                success: .init(status: 204, description: "Removed"),
                errors: [403: "The platform operator set this limit"])
        ) { _, context in
            _ = try await forward(LimitSubjects.delete, context: context, resource: try context.parameters.id())
            return .noContent()
        }

        // The platform operator's limits on a tenant.
        let platformTag = "Platform admin"
        api.add(
            Operation(
                method: .post, path: "/tenants/{id}/limits", tag: platformTag,
                summary: "Set a limit on a tenant (the tenant sees it and cannot change it)", access: .platformAdmin,
                body: body, success: .init(status: 201, description: "Set", schema: .ref("Limit")), errors: errors)
        ) { request, context in
            let tenant = try await existingTenant(context)
            let input = try await checked(request, context: context, tenant: tenant)
            return try await forward(
                LimitSubjects.create, input, context: context, tenant: tenant, status: .created)
        }
        api.add(
            Operation(
                method: .get, path: "/tenants/{id}/limits", tag: platformTag, summary: "A tenant's limits",
                access: .platformAdmin,
                success: .init(status: 200, description: "Every limit", schema: .ref("LimitList")))
        ) { _, context in
            try await forward(LimitSubjects.list, context: context, tenant: try await existingTenant(context))
        }
        api.add(
            Operation(
                method: .patch, path: "/tenants/{id}/limits/{limitId}", tag: platformTag,
                summary: "Change a tenant's limit", access: .platformAdmin, body: body,
                success: .init(status: 200, description: "The limit", schema: .ref("Limit")), errors: errors)
        ) { request, context in
            let tenant = try await existingTenant(context)
            let input = try await checked(request, context: context, tenant: tenant)
            return try await forward(
                LimitSubjects.update, input, context: context, tenant: tenant,
                resource: try context.parameters.id("limitId"))
        }
        api.add(
            Operation(
                method: .delete, path: "/tenants/{id}/limits/{limitId}", tag: platformTag,
                summary: "Remove a tenant's limit", access: .platformAdmin,
                success: .init(status: 204, description: "Removed"))
        ) { _, context in
            _ = try await forward(
                LimitSubjects.delete, context: context, tenant: try await existingTenant(context),
                resource: try context.parameters.id("limitId"))
            return .noContent()
        }
    }

    private func existingTenant(_ context: GatewayRequestContext) async throws -> UUID {
        let id = try context.parameters.id()
        guard try await tenants.get(id) != nil else { throw Problem.notFound("no such tenant") }
        return id
    }

    /// The body, with the API key or user it names checked to be the tenant's (422 otherwise).
    private func checked(_ request: Request, context: GatewayRequestContext, tenant: UUID) async throws -> LimitInput {
        let input = try await request.decodeBody(LimitInput.self, context: context)
        if let key = input.apiKeyId, try await !keys.isActive(key, tenant: tenant) {
            throw Problem(
                .unprocessableContent, "`apiKeyId` names no active API key of this tenant", kind: "unprocessable")
        }
        if let user = input.userId, try await users.get(user, tenant: tenant) == nil {
            throw Problem(.unprocessableContent, "`userId` names no user of this tenant", kind: "unprocessable")
        }
        return input
    }

    /// Asks the usage service, for the caller's tenant or (platform routes) the named one.
    private func forward(
        _ subject: String, _ body: LimitInput? = nil, context: GatewayRequestContext, tenant: UUID? = nil,
        resource: UUID? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var routing = context.routing
        if let tenant { routing.tenant = tenant }
        routing.resourceID = resource
        let payload = try body.map { try JSONEncoder().encode($0) } ?? Data()
        let reply = try await usage.call(subject, payload: payload, routing: routing, headers: [:])
        return .json(bytes: reply.payload, status: status)
    }
}
