import Foundation
import Messaging

/// Routes: a tenant's virtual model names, each served by one or more targets (docs/routes.md).
/// The proxy keeps them (schema `proxy`) and resolves them on every `/v1` call; its instances
/// share the targets' health through core NATS events.
public enum RouteSubjects {
    /// The gateway's Routes API (`Tenant-Id` names the tenant, `Resource-Id` the route). Create and
    /// update carry a ``RouteWrite``; list carries a ``RouteListRequest``.
    public static let create = "proxy.routes.create"
    public static let list = "proxy.routes.list"
    public static let get = "proxy.routes.get"
    public static let update = "proxy.routes.update"
    public static let delete = "proxy.routes.delete"

    /// A tenant's routes changed: every proxy instance drops the ones it cached.
    public static func changed(tenant: UUID) -> String {
        "proxy.events.routes.changed.\(tenant.lowercasedString)"
    }
    public static let changedAll = "proxy.events.routes.changed.*"

    /// A target cools down (``TargetCooldown``): every proxy instance skips it until then.
    public static func cooldown(tenant: UUID) -> String { "proxy.events.cooldowns.\(tenant.lowercasedString)" }
    public static let cooldownAll = "proxy.events.cooldowns.*"

    /// A credential a provider refused with 401/403 (``CredentialFailingEvent``).
    public static func credentialFailing(tenant: UUID) -> String {
        "proxy.events.credentials.failing.\(tenant.lowercasedString)"
    }
    public static let credentialFailingAll = "proxy.events.credentials.failing.*"
}

/// How a route picks its targets.
public enum RouteStrategy: String, Codable, Sendable, CaseIterable {
    /// In order: the first, then the next when an attempt ends in a `retryOn` outcome.
    case fallback
    /// By weight among the targets not cooling down, then the others in order.
    case weighted
}

/// The outcomes of an attempt that move a routed call on to its next target.
public enum RouteOutcome: String, Codable, Sendable, CaseIterable {
    case rateLimited = "429"
    case serverError = "5xx"
    case timeout
    case connect
}

/// A route's name: what a client sends as its `model`.
public enum RouteName {
    public static let rule = "1 to 64 letters, digits, `.`, `_` or `-`"

    public static func isValid(_ name: String) -> Bool { CredentialName.isValid(name) }
}

/// `POST /routes` and `PATCH /routes/{id}` bodies: a PATCH changes the fields it names (`targets`
/// as a whole); a POST names at least `name`, `strategy` and `targets`. Targets stay JSON here:
/// the proxy reads them, so each mistake is named with its place (`targets[1].weight`).
public struct RouteInput: JSONBody, Codable, Equatable {
    public static let fields: Set<String> = ["name", "strategy", "targets", "retryOn", "cooldownSeconds"]

    public var name: String?
    public var strategy: String?
    public var targets: [JSONValue]?
    public var retryOn: [String]?
    public var cooldownSeconds: Int?

    public init(
        name: String? = nil, strategy: String? = nil, targets: [JSONValue]? = nil, retryOn: [String]? = nil,
        cooldownSeconds: Int? = nil
    ) {
        self.name = name
        self.strategy = strategy
        self.targets = targets
        self.retryOn = retryOn
        self.cooldownSeconds = cooldownSeconds
    }
}

/// What the gateway sends to create or change a route: the body, and the tenant's credentials
/// (`service/name`) that its targets must name.
public struct RouteWrite: Codable, Sendable {
    public var input: RouteInput
    public var credentials: [String]

    public init(input: RouteInput, credentials: [String]) {
        self.input = input
        self.credentials = credentials
    }
}

/// `proxy.routes.list`'s request: a page of the tenant's routes, by id.
public struct RouteListRequest: Codable, Sendable {
    public var limit: Int
    public var after: UUID?

    public init(limit: Int, after: UUID?) {
        self.limit = limit
        self.after = after
    }
}

/// A target that failed cools down until `until` on every proxy instance (core NATS, not stored:
/// an instance that starts later learns of a failing target from its own first attempt).
public struct TargetCooldown: Codable, Sendable, Equatable {
    public var tenantId: UUID
    public var service: String
    public var credential: String
    public var model: String
    /// The status that started it (429, 5xx, 401, 403), or 502 when the provider could not be reached.
    public var status: Int
    public var until: Date

    public init(tenantId: UUID, service: String, credential: String, model: String, status: Int, until: Date) {
        self.tenantId = tenantId
        self.service = service
        self.credential = credential
        self.model = model
        self.status = status
        self.until = until
    }
}

/// `credential.failing`: a provider refused a stored credential (401 or 403) on a routed call.
public struct CredentialFailingEvent: Codable, Sendable, Equatable {
    public var type = "credential.failing"
    public var tenantId: UUID
    public var service: String
    public var credential: String
    public var status: Int
    public var route: String
    public var at: Date

    public init(tenantId: UUID, service: String, credential: String, status: Int, route: String, at: Date) {
        self.tenantId = tenantId
        self.service = service
        self.credential = credential
        self.status = status
        self.route = route
        self.at = at
    }
}
