import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Messaging
import ServiceKit

/// `/content-types`, `/content` and the public content routes. The gateway authenticates and
/// checks module and role; the content service checks the rest (schemas, access levels,
/// authorship, access types) and answers with the status to send.
struct ContentController: Sendable {
    let content: PublicContent

    func register(on api: API) {
        let reader = Access.tenant(module: .content, users: .user)
        let admin = Access.tenant(module: .content, users: .admin)
        let typeTag = "Content types"
        let typeBody: [(String, Schema)] = [
            ("name", .string(description: "Lowercase letters, digits, - and _; starts with a letter; unique")),
            ("description", .string()),
            ("schema", .anyObject),
            ("accessLevel", .string(enumeration: ["user", "elevated", "moderator", "admin"])),
        ]
        api.add(
            Operation(
                method: .post, path: "/content-types", tag: typeTag, summary: "Create a content type", access: admin,
                body: .object(typeBody, required: ["name", "schema"]),
                success: .init(status: 201, description: "Created", schema: .ref("ContentType")),
                errors: [
                    409: "A type of this name exists", 422: "The schema cannot be compiled; the problem names where",
                ])
        ) { request, context in
            try await content.forward(ContentSubjects.typesCreate, request, context, body: true)
        }
        api.add(
            Operation(
                method: .get, path: "/content-types", tag: typeTag,
                summary: "List the tenant's content types (with the built-in comment and reaction)", access: reader,
                query: TenantsController.pageParameters,
                success: .init(status: 200, description: "A page of types", schema: .ref("ContentTypePage")))
        ) { request, context in
            try await content.forward(ContentSubjects.typesList, request, context)
        }
        api.add(
            Operation(
                method: .get, path: "/content-types/{id}", tag: typeTag, summary: "Get a content type", access: reader,
                success: .init(status: 200, description: "The type", schema: .ref("ContentType")))
        ) { request, context in
            try await content.forward(ContentSubjects.typesGet, request, context, id: true)
        }
        api.add(
            Operation(
                method: .get, path: "/content-types/by-name/{name}", tag: typeTag,
                summary: "Get a content type by name",
                access: reader, success: .init(status: 200, description: "The type", schema: .ref("ContentType")))
        ) { request, context in
            try await content.forward(
                ContentSubjects.typesGetByName, request, context, key: try ContentClient.key(context, "name"))
        }
        api.add(
            Operation(
                method: .patch, path: "/content-types/{id}", tag: typeTag,
                summary: "Change a content type (a new schema applies to writes from now on)", access: admin,
                body: .object(typeBody + [("expectedVersion", .integer(minimum: 1))]),
                success: .init(status: 200, description: "Changed", schema: .ref("ContentType")),
                errors: [
                    409: "A built-in type, a taken name, or not at expectedVersion",
                    422: "The schema cannot be compiled",
                ])
        ) { request, context in
            try await content.forward(ContentSubjects.typesUpdate, request, context, id: true, body: true)
        }
        api.add(
            Operation(
                method: .delete, path: "/content-types/{id}", tag: typeTag, summary: "Delete a type without items",
                access: admin, success: .init(status: 204, description: "Deleted"),
                errors: [409: "A built-in type, or one that still has items"])
        ) { request, context in
            try await content.forward(ContentSubjects.typesDelete, request, context, id: true)
        }
        registerItems(on: api, access: reader)
        registerPublic(on: api)
    }

    private func registerItems(on api: API, access: Access) {
        let tag = "Content"
        let itemFields: [(String, Schema)] = [
            ("title", .string()),
            ("slug", .string(description: "Lowercase words joined by hyphens; unique per type; default from title")),
            ("data", .anyObject),
            ("status", .string(enumeration: ["draft", "published"])),
            ("accessType", .string(enumeration: ["public", "private", "unlisted", "restricted"])),
        ]
        api.add(
            Operation(
                method: .post, path: "/content", tag: tag,
                summary: "Create an item, a comment (type comment) or a reaction (type reaction) on parentId",
                access: access,
                body: .object(
                    [("type", .string(description: "The type's name or id"))] + itemFields + [("parentId", .uuid)],
                    required: ["type", "data"]),
                success: .init(status: 201, description: "Created", schema: .ref("ContentItem")),
                errors: [
                    200: "The same reaction by the same author exists; it is returned",
                    409: "The slug is taken", 422: "`data` fails the type's schema; the problem names the pointer",
                ])
        ) { request, context in
            try await content.forward(ContentSubjects.itemsCreate, request, context, body: true)
        }
        api.add(
            Operation(
                method: .get, path: "/content", tag: tag, summary: "List the items the caller may see, newest first",
                access: access,
                query: TenantsController.pageParameters + [
                    .init(name: "type", schema: .string(), description: "A type's name or id"),
                    .init(name: "status", schema: .string(enumeration: ["draft", "published"]), description: ""),
                    .init(
                        name: "accessType",
                        schema: .string(enumeration: ["public", "private", "unlisted", "restricted"]),
                        description: ""),
                    .init(name: "parentId", schema: .uuid, description: "Children of this item"),
                    .init(name: "authorId", schema: .uuid, description: "Items of this user (or API key)"),
                    .init(
                        name: "authorKind", schema: .string(enumeration: ["user", "apiKey"]),
                        description: "Default user"),
                ],
                success: .init(status: 200, description: "A page of items", schema: .ref("ContentItemPage")))
        ) { request, context in
            try await content.forward(ContentSubjects.itemsList, request, context)
        }
        api.add(
            Operation(
                method: .get, path: "/content/{id}", tag: tag, summary: "Get an item", access: access,
                success: .init(status: 200, description: "The item", schema: .ref("ContentItem")))
        ) { request, context in
            try await content.forward(ContentSubjects.itemsGet, request, context, id: true)
        }
        api.add(
            Operation(
                method: .patch, path: "/content/{id}", tag: tag,
                summary: "Change an item (its author, moderators and admins); `data` is replaced and validated",
                access: access, body: .object(itemFields + [("expectedVersion", .integer(minimum: 1))]),
                success: .init(status: 200, description: "Changed", schema: .ref("ContentItem")),
                errors: [409: "Not at expectedVersion, or the slug is taken", 422: "`data` fails the type's schema"])
        ) { request, context in
            try await content.forward(ContentSubjects.itemsUpdate, request, context, id: true, body: true)
        }
        api.add(
            Operation(
                method: .delete, path: "/content/{id}", tag: tag,
                summary: "Delete an item with its comments and reactions", access: access,
                success: .init(status: 204, description: "Deleted"))
        ) { request, context in
            try await content.forward(ContentSubjects.itemsDelete, request, context, id: true)
        }
        api.add(
            Operation(
                method: .get, path: "/content/{id}/comments", tag: tag, summary: "An item's comments, oldest first",
                access: access, query: TenantsController.pageParameters,
                success: .init(status: 200, description: "A page of comments", schema: .ref("ContentItemPage")))
        ) { request, context in
            try await content.forward(ContentSubjects.itemsComments, request, context, id: true)
        }
        api.add(
            Operation(
                method: .get, path: "/content/{id}/reactions", tag: tag,
                summary: "An item's reactions, newest first, with its counts", access: access,
                query: TenantsController.pageParameters,
                success: .init(status: 200, description: "Reactions and counts", schema: .ref("Reactions")))
        ) { request, context in
            try await content.forward(ContentSubjects.itemsReactions, request, context, id: true)
        }
    }

    private func registerPublic(on api: API) {
        let tag = "Public"
        let errors = [304: "Not modified (If-None-Match matched the ETag)", 403: "The tenant's content module is off"]
        api.add(
            Operation(
                method: .get, path: "/public/{tenantSlug}/content/{type}", tag: tag,
                summary: "Published public items of a type, newest first (no key; cacheable)", access: .anonymous,
                query: TenantsController.pageParameters,
                success: .init(status: 200, description: "A page of items", schema: .ref("PublicContentPage")),
                errors: errors)
        ) { request, context in
            try await content.serve(
                request, context, module: .content, subject: ContentSubjects.publicList,
                key: try ContentClient.key(context, "type"))
        }
        api.add(
            Operation(
                method: .get, path: "/public/{tenantSlug}/content/{type}/{slug}", tag: tag,
                summary: "A published public item by slug (no key; cacheable)", access: .anonymous,
                success: .init(status: 200, description: "The item", schema: .ref("PublicContentItem")),
                errors: errors)
        ) { request, context in
            let type = try ContentClient.key(context, "type")
            let slug = try ContentClient.key(context, "slug")
            return try await content.serve(
                request, context, module: .content, subject: ContentSubjects.publicGet, key: "\(type)/\(slug)")
        }
    }
}

/// Sends a route's request to the content service: the body untouched, path parameters in
/// `Resource-Id` / `Resource-Key`, the query string in `Query`; and turns the reply into the response.
struct ContentClient: Sendable {
    let service: ServiceClient

    init(nats: NatsConnection) {
        service = ServiceClient(nats: nats)
    }

    func forward(
        _ subject: String, _ request: Request, _ context: GatewayRequestContext, id: Bool = false,
        key: String? = nil, body: Bool = false
    ) async throws -> Response {
        let forwarded = ContentRequestHeaders(key: key, queryString: try Self.query(request.uri.query))
        let payload = body ? try await request.bodyBytes(context: context) : []
        let reply = try await service.call(
            subject, payload: payload, context: context, resourceID: id ? try context.parameters.id() : nil,
            headers: forwarded.headers)
        return try Self.response(reply)
    }

    /// A public route's request: the tenant from the URL, no principal, the client's address.
    func `public`(
        _ subject: String, _ request: Request, _ context: GatewayRequestContext, tenant: Principal.TenantRef,
        key: String? = nil, body: Bool = false
    ) async throws -> NatsMessage {
        var routing = context.routing
        routing.tenant = tenant.id
        routing.caller = .anonymous
        let forwarded = ContentRequestHeaders(
            key: key, queryString: try Self.query(request.uri.query), tenantSlug: tenant.slug,
            clientAddress: context.clientAddress)
        let payload = body ? try await request.bodyBytes(context: context) : []
        return try await service.call(subject, payload: payload, routing: routing, headers: forwarded.headers)
    }

    /// A request of the caller's own, with a query string of the gateway's making.
    func call(_ subject: String, _ context: GatewayRequestContext, query: String) async throws -> NatsMessage {
        try await service.call(subject, context: context, headers: ContentRequestHeaders(queryString: query).headers)
    }

    /// The content service's answer as the response: its status, its type, its payload.
    static func response(_ reply: NatsMessage) throws -> Response {
        let head = try Self.head(reply)
        guard head.status != 204 else { return Response(status: .noContent) }
        return Response(
            status: .init(code: head.status), headers: [.contentType: head.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: reply.payload)))
    }

    /// The head of the content service's answer (a malformed one is a 502).
    static func head(_ reply: NatsMessage) throws -> ContentReplyHead {
        do {
            return try ContentReplyHead(headers: reply.headers)
        } catch {
            throw Problem(.badGateway, "the content service answered \(error)")
        }
    }

    /// A path parameter that names something (a type, a slug, a tenant): the characters names
    /// are made of, else no such thing. Nothing else reaches a NATS header.
    static func key(_ context: GatewayRequestContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name), (1...200).contains(value.utf8.count),
            value.utf8.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_")
            })
        else { throw Problem.notFound() }
        return value
    }

    /// The raw query string, if any; refused when it holds what a header cannot carry.
    static func query(_ query: String?) throws -> String? {
        guard let query, !query.isEmpty else { return nil }
        guard query.utf8.count <= 4096, query.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7f }) else {
            throw Problem.badRequest("the query string is too long or holds control characters")
        }
        return query
    }
}

extension Authenticator {
    /// The tenant a public route names by `{tenantSlug}`: 404 when there is none, 403 when its
    /// `module` is off.
    func publicTenant(_ context: GatewayRequestContext, module: Module) async throws -> Principal.TenantRef {
        guard let slug = context.parameters.get("tenantSlug"), let tenant = try await tenant(slug: slug) else {
            throw Problem.notFound()
        }
        guard tenant.modules.contains(module) else {
            throw Problem.forbidden("the `\(module.rawValue)` module is disabled for this tenant")
        }
        return tenant
    }
}
