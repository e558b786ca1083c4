import Foundation
import Messaging

/// The content service's request subjects. The gateway authenticates, checks the route's module
/// and role, and forwards the HTTP request: the body as the payload, path parameters in
/// `Resource-Id` / ``ContentHeaders/key``, the query string in ``ContentHeaders/query``. The
/// content service does every other check (schemas, authorship, access types) and answers with
/// the HTTP status in ``ContentHeaders/status``.
public enum ContentSubjects {
    public static let typesCreate = "content.types.create"
    public static let typesList = "content.types.list"
    public static let typesGet = "content.types.get"
    public static let typesGetByName = "content.types.get-by-name"
    public static let typesUpdate = "content.types.update"
    public static let typesDelete = "content.types.delete"

    public static let itemsCreate = "content.items.create"
    public static let itemsList = "content.items.list"
    public static let itemsGet = "content.items.get"
    public static let itemsUpdate = "content.items.update"
    public static let itemsDelete = "content.items.delete"
    public static let itemsComments = "content.items.comments"
    public static let itemsReactions = "content.items.reactions"

    /// Published, public items of a type (`Resource-Key` = the type name); and one by slug
    /// (`Resource-Key` = `<type>/<slug>`).
    public static let publicList = "content.public.list"
    public static let publicGet = "content.public.get"

    /// Every subject the content service answers (for its NATS permissions and discovery).
    public static let all = "content.>"
}

/// Events the content service publishes (core NATS; not stored).
public enum ContentEvents {
    /// `{tenantId}`: something a public route serves changed; gateways drop cached public answers.
    public static let publicChanged = "content.events.public-changed"
}

public struct PublicContentChanged: Codable, Sendable {
    public var tenantId: UUID
    public init(tenantId: UUID) { self.tenantId = tenantId }
}

/// Headers between the gateway and the content service.
public enum ContentHeaders {
    /// The request's query string, as the client sent it (percent-encoded).
    public static let query = "Query"
    /// A string path parameter (a type name, `<type>/<slug>`).
    public static let key = "Resource-Key"
    /// The HTTP status of a reply (default 200).
    public static let status = "Status"
    /// The content type of a reply's payload (default `application/json`).
    public static let contentType = "Content-Type"
    /// A client's address, for per-address rate limits on public forms.
    public static let clientAddress = "Client-Address"
}
