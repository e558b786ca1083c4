import Contracts
import Foundation
import JSONSchema
import Logging
import Messaging
import ServiceKit

/// `/content`, `/content/{id}/comments|reactions` and the public content routes.
struct ItemHandlers: Sendable {
    let types: TypeStore
    let items: ItemStore
    let events: ContentEventPublisher

    func create(_ request: ContentRequest) async throws -> Reply {
        let body = try request.body(NewItem.self)
        guard let author = request.caller.author else { throw ServiceError.forbidden("sign in to create content") }
        let type = try await types.find(tenant: request.tenant, nameOrID: body.type)
        try checkMayCreate(request.caller, type)
        try validate(body.data, type)
        var row = ItemStore.NewRow(
            id: UUID.v7(), tenant: request.tenant, type: type, title: body.title, slug: body.slug,
            slugGenerated: false, data: body.data, status: body.status ?? (type.builtin ? .published : .draft),
            accessType: body.accessType ?? .public, author: author, parentID: body.parentId, reactionKey: nil)
        try checkTitle(body.title)
        if let slug = body.slug {
            try Slug.check(slug)
        } else if let title = body.title, !type.builtin {
            row.slug = Slug.from(title: title)
            row.slugGenerated = row.slug != nil
        }
        if type.builtin {
            guard let parentID = body.parentId else {
                throw ServiceError.badRequest("a \(type.name) needs `parentId`: the item it is on")
            }
            let parent = try await visibleItem(parentID, request, what: "parent item")
            if parent.type == "reaction" {
                throw ServiceError.unprocessable("a reaction cannot have comments or reactions")
            }
            guard body.slug == nil else { throw ServiceError.badRequest("a \(type.name) has no `slug`") }
            if type.name == "reaction" {
                guard body.status ?? .published == .published else {
                    throw ServiceError.badRequest("a reaction is published at once; leave out `status`")
                }
                row.reactionKey = Self.reactionKey(body.data)
            }
        } else if let parentID = body.parentId {
            _ = try await visibleItem(parentID, request, what: "parent item")
        }
        let (item, created): (ContentItem, Bool)
        do {
            (item, created) = try await items.insert(row)
        } catch  where DatabaseErrors.isForeignKeyViolation(error) {
            throw ServiceError.notFound("no such parent item")
        }
        // A comment or a reaction changes its parent's counts, which public answers show.
        if created, item.isPublic || item.parentId != nil { events.publicChanged(request.tenant) }
        return try .json(item, status: created ? 201 : 200)
    }

    func get(_ request: ContentRequest) async throws -> Reply {
        try .json(try await visibleItem(request.id(), request))
    }

    func list(_ request: ContentRequest) async throws -> Reply {
        var filter = ItemStore.ListFilter()
        if let type = request.string("type") {
            filter.typeID = try await types.find(tenant: request.tenant, nameOrID: type).id
        }
        filter.status = try request.choice("status", ItemStatus.self)
        filter.accessType = try request.choice("accessType", AccessType.self)
        filter.parentID = try request.uuid("parentId")
        if filter.parentID != nil { filter.excludeBuiltins = false }
        if let author = try request.uuid("authorId") {
            filter.author = Author(kind: request.string("authorKind") == "apiKey" ? .apiKey : .user, id: author)
        }
        let page = try await items.list(
            tenant: request.tenant, reader: .init(request.caller), filter: filter, page: try request.page())
        return try .json(page)
    }

    func update(_ request: ContentRequest) async throws -> Reply {
        let changes = try request.body(ItemChanges.self)
        let id = try request.id()
        let item = try await visibleItem(id, request)
        try checkMayChange(request.caller, item)
        let type = try await types.get(tenant: request.tenant, id: item.typeId)
        if type.name == "reaction" && type.builtin {
            throw ServiceError.conflict("a reaction cannot be changed; delete it and react again")
        }
        if let expected = changes.expectedVersion, expected != item.version {
            throw ServiceError.conflict("the item is at version \(item.version), not \(expected)")
        }
        if let data = changes.data { try validate(data, type) }
        try checkTitle(changes.title)
        if let slug = changes.slug {
            guard !type.builtin else { throw ServiceError.badRequest("a \(type.name) has no `slug`") }
            try Slug.check(slug)
        }
        let updated = try await items.update(
            id, tenant: request.tenant, version: item.version,
            title: changes.title, slug: changes.slug, data: changes.data, status: changes.status,
            accessType: changes.accessType)
        if item.isPublic || updated.isPublic { events.publicChanged(request.tenant) }
        return try .json(updated)
    }

    func delete(_ request: ContentRequest) async throws -> Reply {
        let id = try request.id()
        let item = try await visibleItem(id, request)
        try checkMayChange(request.caller, item)
        try await items.delete(item, tenant: request.tenant)
        events.publicChanged(request.tenant)
        return .status(204)
    }

    /// `GET /content/{id}/comments`: oldest first.
    func comments(_ request: ContentRequest) async throws -> Reply {
        let parent = try await visibleItem(request.id(), request)
        var filter = ItemStore.ListFilter()
        filter.typeID = try await types.find(tenant: request.tenant, nameOrID: "comment").id
        filter.parentID = parent.id
        filter.oldestFirst = true
        return try .json(
            try await items.list(
                tenant: request.tenant, reader: .init(request.caller), filter: filter, page: try request.page()))
    }

    /// `GET /content/{id}/reactions`: `{items, nextCursor, counts}`, newest first.
    func reactions(_ request: ContentRequest) async throws -> Reply {
        let parent = try await visibleItem(request.id(), request)
        var filter = ItemStore.ListFilter()
        filter.typeID = try await types.find(tenant: request.tenant, nameOrID: "reaction").id
        filter.parentID = parent.id
        let page = try await items.list(
            tenant: request.tenant, reader: .init(request.caller), filter: filter, page: try request.page())
        return try .json(Reactions(items: page.items, nextCursor: page.nextCursor, counts: parent.reactionCounts))
    }

    struct Reactions: Encodable {
        var items: [ContentItem]
        var nextCursor: String?
        var counts: ReactionCounts

        enum CodingKeys: String, CodingKey { case items, nextCursor, counts }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(items, forKey: .items)
            try container.encode(nextCursor, forKey: .nextCursor)
            try container.encode(counts, forKey: .counts)
        }
    }

    // MARK: - Public

    /// `GET /public/{tenantSlug}/content/{type}`.
    func publicList(_ request: ContentRequest) async throws -> Reply {
        let typeName = try request.key()
        guard try await items.typeExists(tenant: request.tenant, name: typeName) else {
            throw ServiceError.notFound("no content type named `\(typeName)`")
        }
        let page = try await items.listPublic(tenant: request.tenant, typeName: typeName, page: try request.page())
        return try .json(Page(items: page.items.map(\.published), nextCursor: page.nextCursor))
    }

    /// `GET /public/{tenantSlug}/content/{type}/{slug}`.
    func publicGet(_ request: ContentRequest) async throws -> Reply {
        let key = try request.key()
        guard let slash = key.firstIndex(of: "/") else { throw ServiceError.notFound("no such item") }
        guard
            let item = try await items.getPublic(
                tenant: request.tenant, typeName: String(key[..<slash]), slug: String(key[key.index(after: slash)...]))
        else { throw ServiceError.notFound("no such item") }
        return try .json(item.published)
    }

    // MARK: - Rules

    /// API keys of role admin, and users whose role reaches the type's access level.
    private func checkMayCreate(_ caller: Caller, _ type: ContentType) throws {
        switch caller {
        case .apiKey(_, let role) where role == .admin: return
        case .user(_, let role) where role >= type.accessLevel: return
        case .user:
            throw ServiceError.forbidden("creating `\(type.name)` items needs the \(type.accessLevel.rawValue) role")
        default:
            throw ServiceError.forbidden("this key may not create content")
        }
    }

    /// The author, and privileged callers (moderators, admins, admin keys).
    private func checkMayChange(_ caller: Caller, _ item: ContentItem) throws {
        if case .apiKey(_, let role) = caller, role != .admin {
            throw ServiceError.forbidden("this key may only read")
        }
        guard caller.mayManage(item.author) else {
            throw ServiceError.forbidden("only the author or a moderator may change this item")
        }
    }

    private func validate(_ data: JSONValue, _ type: ContentType) throws {
        let violations = try types.schema(of: type).validate(data)
        guard let first = violations.first else { return }
        let more = violations.count > 1 ? " (and \(violations.count - 1) more)" : ""
        throw ServiceError.unprocessable(
            "`data` does not match the type `\(type.name)`: \(first.pointer.isEmpty ? "/" : first.pointer): \(first.message)\(more)"
        )
    }

    private func checkTitle(_ title: String?) throws {
        if let title, title.count > 500 { throw ServiceError.badRequest("`title` must be at most 500 characters") }
    }

    /// The item if the caller may see it; a 404 ("no such `what`") otherwise.
    private func visibleItem(_ id: UUID, _ request: ContentRequest, what: String = "item") async throws
        -> ContentItem
    {
        guard let item = try await items.get(id, tenant: request.tenant, reader: .init(request.caller)) else {
            throw ServiceError.notFound("no such \(what)")
        }
        return item
    }

    /// `upvote`, `downvote` or `emoji:<emoji>` (the data has passed the reaction schema).
    static func reactionKey(_ data: JSONValue) -> String {
        guard case .object(let fields) = data, case .string(let kind)? = fields["kind"] else { return "upvote" }
        if kind == "emoji", case .string(let emoji)? = fields["emoji"] { return "emoji:\(emoji)" }
        return kind
    }
}

extension ContentItem {
    /// Served by the public routes.
    var isPublic: Bool { status == .published && accessType == .public }
}
