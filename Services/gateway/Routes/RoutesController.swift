import Contracts
import Foundation
import Hummingbird
import Messaging

/// `/routes`: a tenant's virtual model names, each served by one or more targets with fallbacks
/// or weights (docs/routes.md). The proxy keeps and resolves them; the gateway checks the caller
/// and sends along the tenant's stored credentials, which the targets must name.
struct RoutesController: Sendable {
    let proxy: ServiceClient
    let vault: ServiceClient

    func register(on api: API) {
        let access = Access.tenant(module: .aiProxy, users: .admin)
        let tag = "Routes"
        let target = Schema.object(
            [
                ("service", .string(enumeration: ProviderID.services)), ("model", .string()),
                ("credential", .string(description: "One of the service's credentials, by name; default \"default\"")),
                ("weight", .integer(minimum: 1, maximum: 1000)),
            ], required: ["service", "model"])
        let body = Schema.object([
            ("name", .string(description: "What clients send as `model`: \(RouteName.rule)")),
            ("strategy", .string(enumeration: RouteStrategy.allCases.map(\.rawValue))),
            ("targets", .array(target)),
            ("retryOn", .array(.string(enumeration: RouteOutcome.allCases.map(\.rawValue)))),
            ("cooldownSeconds", .integer(minimum: 0, maximum: 3600)),
        ])
        let errors: [Int: String] = [
            409: "The tenant has a route of this name", 422: "A target names a credential the tenant has not stored",
        ]
        api.add(
            Operation(
                method: .post, path: "/routes", tag: tag, summary: "Create a route (a model name with its targets)",
                access: access, body: body, success: .init(status: 201, description: "Created", schema: .ref("Route")),
                errors: errors)
        ) { request, context in
            let write = try await checked(request, context: context)
            return try await forward(RouteSubjects.create, write, context: context, status: .created)
        }
        api.add(
            Operation(
                method: .get, path: "/routes", tag: tag, summary: "The tenant's routes", access: access,
                success: .init(status: 200, description: "A page of routes", schema: .ref("RoutePage")))
        ) { request, context in
            let page = try PageRequest(request)
            return try await forward(
                RouteSubjects.list, RouteListRequest(limit: page.limit, after: page.after), context: context)
        }
        api.add(
            Operation(
                method: .get, path: "/routes/{id}", tag: tag, summary: "A route", access: access,
                success: .init(status: 200, description: "The route", schema: .ref("Route")))
        ) { _, context in
            try await forward(RouteSubjects.get, context: context, resource: try context.parameters.id())
        }
        api.add(
            Operation(
                method: .patch, path: "/routes/{id}", tag: tag,
                summary: "Change a route (the fields sent; `targets` as a whole)", access: access, body: body,
                success: .init(status: 200, description: "The route", schema: .ref("Route")), errors: errors)
        ) { request, context in
            let write = try await checked(request, context: context)
            return try await forward(
                RouteSubjects.update, write, context: context, resource: try context.parameters.id())
        }
        api.add(
            Operation(
                method: .delete, path: "/routes/{id}", tag: tag, summary: "Remove a route", access: access,
                success: .init(status: 204, description: "Removed"))
        ) { _, context in
            _ = try await forward(RouteSubjects.delete, context: context, resource: try context.parameters.id())
            return .noContent()
        }
    }

    /// The body, with the tenant's stored credentials (`service/name`) when it names targets.
    private func checked(_ request: Request, context: GatewayRequestContext) async throws -> RouteWrite {
        let input = try await request.decodeBody(RouteInput.self, context: context)
        guard input.targets != nil else { return RouteWrite(input: input, credentials: []) }
        var credentials: [String] = []
        var after: UUID?
        repeat {
            let ask = CredentialListRequest(limit: 200, after: after, service: nil)
            let page = try await vault.call(
                VaultSubjects.list, payload: try JSONEncoder().encode(ask), context: context, as: CredentialPage.self)
            credentials += page.items.map { "\($0.service)/\($0.name)" }
            after = page.next
        } while after != nil
        return RouteWrite(input: input, credentials: credentials)
    }

    private func forward(
        _ subject: String, _ body: (some Encodable)? = RouteListRequest?.none, context: GatewayRequestContext,
        resource: UUID? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let payload = try body.map { try JSONEncoder().encode($0) } ?? Data()
        let reply = try await proxy.call(subject, payload: payload, context: context, resourceID: resource)
        return .json(bytes: reply.payload, status: status)
    }
}
