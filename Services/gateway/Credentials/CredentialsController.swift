import Contracts
import Foundation
import Hummingbird
import Messaging

/// `/credentials`: a tenant's provider keys, kept by the vault (admin keys and admin users only:
/// even a credential's preview and meta are not for readonly keys). The plaintext key goes in once
/// and never comes back out.
struct CredentialsController: Sendable {
    let vault: ServiceClient

    func register(on api: API) {
        let access = Access.tenant(users: .admin, readonlyKeys: false)
        let tag = "Credentials"
        let meta = Schema.object(
            [
                (
                    "baseUrl",
                    .string(format: "uri", description: "Must match PROXY_ALLOWED_BASE_URLS or the official endpoint")
                ),
                ("organization", .string()), ("project", .string()), ("apiVersion", .string()),
                ("deployment", .string()),
                (
                    "headers",
                    .object(
                        [], additional: true, description: "Extra upstream headers; answers show their values masked")
                ),
            ])
        api.add(
            Operation(
                method: .post, path: "/credentials", tag: tag,
                summary: "Store a provider key (replaces the key of an existing service and name)", access: access,
                body: .object(
                    [
                        ("service", .string(enumeration: ProviderID.services)),
                        ("key", .string(description: "The provider API key; never shown again")),
                        ("name", .string(description: "Several keys per service; default \"default\"")),
                        ("meta", meta), ("metadata", meta),
                    ], required: ["service", "key"]),
                success: .init(status: 201, description: "Stored", schema: .ref("Credential")),
                errors: [422: "meta.baseUrl is not allowed"]), create)
        api.add(
            Operation(
                method: .get, path: "/credentials", tag: tag, summary: "List the tenant's credentials (previews only)",
                access: access,
                query: TenantsController.pageParameters + [
                    .init(name: "service", schema: .string(), description: "Only this provider's credentials")
                ],
                success: .init(status: 200, description: "A page of credentials", schema: .ref("CredentialPage"))), list
        )
        api.add(
            Operation(
                method: .get, path: "/credentials/{id}", tag: tag, summary: "Get a credential (preview only)",
                access: access, success: .init(status: 200, description: "The credential", schema: .ref("Credential"))),
            get)
        api.add(
            Operation(
                method: .patch, path: "/credentials/{id}", tag: tag,
                summary: "Replace the key and/or the meta (changing meta.baseUrl or meta.headers needs the key too)",
                access: access, body: .object([("key", .string()), ("meta", meta), ("metadata", meta)]),
                success: .init(status: 200, description: "Updated", schema: .ref("Credential")),
                errors: [422: "meta.baseUrl is not allowed, or it or meta.headers changes without `key`"]), update)
        api.add(
            Operation(
                method: .delete, path: "/credentials/{id}", tag: tag, summary: "Delete a credential", access: access,
                success: .init(status: 204, description: "Deleted")), delete)
        api.add(
            Operation(
                method: .post, path: "/admin/vault/rotate", tag: "Platform admin",
                summary: "Rewrap every credential to the current master key version, in the background",
                access: .platformAdmin,
                success: .init(status: 202, description: "Started (or already running)", schema: .ref("VaultStatus")),
                errors: [409: "Credentials use a newer key version than the vault instance that answered"]), rotate)
        api.add(
            Operation(
                method: .get, path: "/admin/vault/status", tag: "Platform admin",
                summary: "Credentials per master key version, and the rewrap's progress", access: .platformAdmin,
                success: .init(status: 200, description: "The status", schema: .ref("VaultStatus"))), status)
    }

    @Sendable func create(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let body = try await request.bodyBytes(context: context)
        let reply = try await vault.call(VaultSubjects.create, payload: body, context: context)
        return forward(reply.payload, status: .created)
    }

    @Sendable func list(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let page = try PageRequest(request)
        let service = request.uri.queryParameters["service"].map(String.init)
        let ask = CredentialListRequest(limit: page.limit, after: page.after, service: service)
        let result = try await vault.call(
            VaultSubjects.list, payload: try JSONEncoder().encode(ask), context: context, as: CredentialPage.self)
        return try .json(Page(items: result.items, nextCursor: result.next.map(PageCursor.encode)))
    }

    @Sendable func get(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let reply = try await vault.call(VaultSubjects.get, context: context, resourceID: try context.parameters.id())
        return forward(reply.payload)
    }

    @Sendable func update(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let id = try context.parameters.id()
        let body = try await request.bodyBytes(context: context)
        let reply = try await vault.call(VaultSubjects.update, payload: body, context: context, resourceID: id)
        return forward(reply.payload)
    }

    @Sendable func delete(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        _ = try await vault.call(VaultSubjects.delete, context: context, resourceID: try context.parameters.id())
        return .noContent()
    }

    @Sendable func rotate(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        forward(try await vault.call(VaultSubjects.rotate, context: context).payload, status: .accepted)
    }

    @Sendable func status(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        forward(try await vault.call(VaultSubjects.status, context: context).payload)
    }

    /// A service's JSON reply, passed on as it is.
    private func forward(_ payload: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: payload)))
    }
}
