import Foundation
import Messaging

/// The content service's request subjects. The gateway authenticates, checks the route's module
/// and role, and forwards the HTTP request: the body as the payload, its ``Routing`` (the id
/// path parameter in ``Routing/resourceID``) and ``ContentRequestHeaders`` (a name path
/// parameter, the query, on public routes the tenant's slug and the client's address). The
/// content service does every other check (schemas, authorship, access types) and answers with
/// its ``ContentReplyHead`` (the HTTP status and the payload's type).
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

    /// The contact form: `public.contact` (anonymous submission); the moderators' inbox.
    public static let contactSubmit = "content.public.contact"
    public static let contactList = "content.contact.list"
    public static let contactGet = "content.contact.get"
    public static let contactUpdate = "content.contact.update"

    /// The mailing list: the public double opt-in, and the admins' list and export (pages of
    /// CSV, the next cursor in ``PageCursor/header``).
    public static let mailingListSubscribe = "content.public.mailing-list.subscribe"
    public static let mailingListConfirm = "content.public.mailing-list.confirm"
    public static let mailingListUnsubscribe = "content.public.mailing-list.unsubscribe"
    public static let mailingListList = "content.mailing-list.list"
    public static let mailingListExport = "content.mailing-list.export"
    /// 2D flows: charts with their nodes and edges, batched mutations, and the tenant's node types.
    public static let flowsCreate = "content.flows.create"
    public static let flowsList = "content.flows.list"
    public static let flowsGet = "content.flows.get"
    public static let flowsUpdate = "content.flows.update"
    public static let flowsDelete = "content.flows.delete"
    public static let flowsMutations = "content.flows.mutations"
    public static let flowNodeTypesCreate = "content.flows.node-types.create"
    public static let flowNodeTypesList = "content.flows.node-types.list"
    public static let flowNodeTypesDelete = "content.flows.node-types.delete"

    /// 3D scenes and their glTF 2.0 export.
    public static let scenesCreate = "content.scenes.create"
    public static let scenesList = "content.scenes.list"
    public static let scenesGet = "content.scenes.get"
    public static let scenesUpdate = "content.scenes.update"
    public static let scenesDelete = "content.scenes.delete"
    public static let scenesGLTF = "content.scenes.gltf"

    /// A public scene (`Resource-Key` = its id, as public routes name what they serve), and its glTF document.
    public static let publicScene = "content.public.scene"
    public static let publicSceneGLTF = "content.public.scene-gltf"

    /// Every subject the content service answers (for its NATS permissions and discovery).
    public static let all = "content.>"
}

/// Contact form submissions, for a notifier: JetStream stream `CONTACT`.
public enum ContactEvents {
    /// ``ContactReceived``, `Nats-Msg-Id` = the message id, on a subject ending in the tenant's id.
    public static func received(tenant: UUID) -> String { "contact.events.received.\(tenant.lowercasedString)" }
    public static let allReceived = "contact.events.received.*"
    public static let stream = StreamConfig(
        name: "CONTACT", subjects: ["contact.events.>"], maxAge: .seconds(30 * 24 * 3600))
}

/// `mail.events.mailing-list-confirm.<tenant>`: a mailer sends `confirmUrl` to `email` (from the content
/// service; the gateway prints it with `MAIL_OUTBOX_LOG=1`).
public struct ConfirmationMail: Codable, Sendable {
    public var type = "mailing-list-confirm"
    public var id: UUID
    public var tenantId: UUID
    public var tenantSlug: String
    public var subscriberId: UUID
    public var email: String
    /// The link that confirms (single purpose; dies when the address asks again).
    public var confirmUrl: String
    /// The link for the mail's footer: it never expires and unsubscribes this address whenever
    /// it is used, also after the address subscribed again (an old newsletter's link must work).
    public var unsubscribeUrl: String
    public var expiresAt: Date

    public init(
        id: UUID, tenantId: UUID, tenantSlug: String, subscriberId: UUID, email: String, confirmUrl: String,
        unsubscribeUrl: String, expiresAt: Date
    ) {
        self.id = id
        self.tenantId = tenantId
        self.tenantSlug = tenantSlug
        self.subscriberId = subscriberId
        self.email = email
        self.confirmUrl = confirmUrl
        self.unsubscribeUrl = unsubscribeUrl
        self.expiresAt = expiresAt
    }
}

/// `contact.events.received.<tenant>`: a visitor wrote to the tenant.
public struct ContactReceived: Codable, Sendable {
    public var id: UUID
    public var tenantId: UUID
    public var name: String
    public var email: String
    public var subject: String?
    public var category: String?
    public var message: String
    public var createdAt: Date

    public init(
        id: UUID, tenantId: UUID, name: String, email: String, subject: String?, category: String?, message: String,
        createdAt: Date
    ) {
        self.id = id
        self.tenantId = tenantId
        self.name = name
        self.email = email
        self.subject = subject
        self.category = category
        self.message = message
        self.createdAt = createdAt
    }
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

/// What a request to the content service carries besides its ``Routing``.
public struct ContentRequestHeaders: Sendable, Equatable {
    /// A name path parameter (a type name, `<type>/<slug>`).
    public var key: String?
    /// The query string as the client sent it (percent-encoded); read it with ``query``.
    public var queryString: String?
    /// The tenant's slug, on public routes (the links in mails name it).
    public var tenantSlug: String?
    /// The client's address, on public routes (forms count submissions per address).
    public var clientAddress: String?

    public init(key: String? = nil, queryString: String? = nil, tenantSlug: String? = nil, clientAddress: String? = nil)
    {
        self.key = key
        self.queryString = queryString
        self.tenantSlug = tenantSlug
        self.clientAddress = clientAddress
    }

    enum Header {
        static let key = "Resource-Key"
        static let query = "Query"
        static let tenantSlug = "Tenant-Slug"
        static let clientAddress = "Client-Address"
    }

    public init(headers: MessageHeaders) {
        key = headers[Header.key].flatMap { $0.isEmpty ? nil : $0 }
        queryString = headers[Header.query]
        tenantSlug = headers[Header.tenantSlug].flatMap { $0.isEmpty ? nil : $0 }
        clientAddress = headers[Header.clientAddress]
    }

    public var headers: MessageHeaders {
        var headers = MessageHeaders()
        if let key { headers.add(Header.key, key) }
        if let queryString, !queryString.isEmpty { headers.add(Header.query, queryString) }
        if let tenantSlug { headers.add(Header.tenantSlug, tenantSlug) }
        if let clientAddress { headers.add(Header.clientAddress, clientAddress) }
        return headers
    }

    /// The query's parameters, decoded (`+` as a space); the first of a repeated name counts.
    public var query: [String: String] {
        var values: [String: String] = [:]
        for pair in (queryString ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            guard let name = parts.first.map(decode), !name.isEmpty, values[name] == nil else { continue }
            values[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return values
    }
}

/// The head of the content service's answer: the HTTP status and the payload's media type.
public struct ContentReplyHead: Sendable, Equatable {
    public var status: Int
    public var contentType: String

    public init(status: Int = 200, contentType: String = "application/json") {
        self.status = status
        self.contentType = contentType
    }

    enum Header {
        static let status = "Status"
        static let contentType = "Content-Type"
    }

    /// The head a reply carries (200 and JSON when it names neither).
    public init(headers: MessageHeaders) throws(MalformedHeader) {
        status = 200
        if let text = headers[Header.status] {
            guard let status = Int(text), (100...599).contains(status) else {
                throw MalformedHeader(Header.status, "is not an HTTP status")
            }
            self.status = status
        }
        contentType = headers[Header.contentType] ?? "application/json"
    }

    public var headers: MessageHeaders {
        var headers = MessageHeaders()
        if status != 200 { headers.add(Header.status, String(status)) }
        if contentType != "application/json" { headers.add(Header.contentType, contentType) }
        return headers
    }
}
