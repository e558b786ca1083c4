import Contracts
import Foundation
import Messaging

/// What the content service asks of a caller (the platform admin never reaches content routes:
/// it counts as nobody here).
extension Caller {
    /// Sees drafts, private and restricted items of everyone (API keys, moderators and admins).
    var isPrivileged: Bool {
        switch self {
        case .apiKey: true
        case .user(_, let role): role >= .moderator
        case .anonymous, .platformAdmin: false
        }
    }

    var isAdmin: Bool {
        switch self {
        case .apiKey(_, let role): role == .admin
        case .user(_, let role): role == .admin
        case .anonymous, .platformAdmin: false
        }
    }

    /// May change or delete what `author` made: the author, and privileged callers.
    func mayManage(_ author: Author) -> Bool {
        isPrivileged || self.author == author
    }

    /// The author recorded on what this caller creates.
    var author: Author? {
        switch self {
        case .apiKey(let id, _): Author(kind: .apiKey, id: id)
        case .user(let id, _): Author(kind: .user, id: id)
        case .anonymous, .platformAdmin: nil
        }
    }
}

struct Author: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable { case user, apiKey }
    var kind: Kind
    var id: UUID

    init(kind: Kind, id: UUID) {
        self.kind = kind
        self.id = id
    }

    /// From a row's `author_kind` and `author_id` columns.
    init(column kind: String, id: UUID) {
        self.init(kind: Kind(rawValue: kind) ?? .user, id: id)
    }
}

/// A forwarded HTTP request, read: tenant, caller, path parameters, query and body.
struct ContentRequest: Sendable {
    let message: NatsMessage
    let routing: Routing
    let tenant: UUID
    let forwarded: ContentRequestHeaders
    let query: [String: String]

    init(_ message: NatsMessage) throws {
        self.message = message
        routing = try message.routing()
        tenant = try routing.requireTenant()
        forwarded = ContentRequestHeaders(headers: message.headers)
        query = forwarded.query
    }

    var caller: Caller { routing.caller }

    /// The client's address as the gateway saw it (public forms count submissions per address).
    var clientAddress: String { forwarded.clientAddress ?? "unknown" }

    /// The tenant's slug, which public routes carry.
    func tenantSlug() throws -> String {
        guard let slug = forwarded.tenantSlug else {
            throw ServiceError.badRequest("the Tenant-Slug header is missing")
        }
        return slug
    }

    /// The id path parameter (404 when the request names none: no such resource).
    func id() throws -> UUID { try routing.requireResource() }

    /// The string path parameter.
    func key() throws -> String {
        guard let key = forwarded.key else { throw ServiceError.notFound("no such resource") }
        return key
    }

    func body<Body: JSONBody>(_ type: Body.Type) throws -> Body { try message.decode(type) }

    // MARK: - Query parameters

    func string(_ name: String) -> String? {
        guard let value = query[name], !value.isEmpty else { return nil }
        return value
    }

    func uuid(_ name: String) throws -> UUID? {
        guard let text = string(name) else { return nil }
        guard let id = UUID(parsing: text) else { throw ServiceError.badRequest("`\(name)` must be a UUID") }
        return id
    }

    /// One of `allowed`, or nil when absent.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws -> T?
    where T.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw ServiceError.badRequest(
                "`\(name)` must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// `?limit=` (1–200, default 50) and `?cursor=` (the last id of the previous page).
    func page() throws -> PageQuery {
        var limit = 50
        if let text = string("limit") {
            guard let value = Int(text), (1...200).contains(value) else {
                throw ServiceError.badRequest("`limit` must be an integer from 1 to 200")
            }
            limit = value
        }
        var after: UUID?
        if let cursor = string("cursor") {
            guard let id = PageCursor.decode(cursor) else {
                throw ServiceError.badRequest("`cursor` is not a cursor this API issued")
            }
            after = id
        }
        return PageQuery(limit: limit, after: after)
    }
}

/// A keyset page request: ids are UUIDv7, so the id orders by creation.
struct PageQuery: Sendable {
    var limit: Int
    var after: UUID?

    /// Turns up to `limit + 1` rows into a page.
    func page<Item: Encodable & Sendable>(_ rows: [Item], id: (Item) -> UUID) -> Page<Item> {
        PageCursor.page(rows, limit: limit, id: id)
    }
}
extension Reply {
    /// A JSON reply with an HTTP status other than 200.
    static func json(_ value: some Encodable, status: Int) throws -> Reply {
        var reply = try Reply.json(value)
        reply.headers = ContentReplyHead(status: status).headers
        return reply
    }

    static func status(_ status: Int) -> Reply { Reply(headers: ContentReplyHead(status: status).headers) }

    /// A reply whose payload is of another type than JSON.
    static func payload(_ payload: [UInt8], contentType: String) -> Reply {
        Reply(payload: payload, headers: ContentReplyHead(contentType: contentType).headers)
    }
}
