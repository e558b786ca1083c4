import Foundation
import Messaging

/// Who a request between services is on behalf of, as the gateway authenticated them.
public enum Caller: Sendable, Equatable {
    /// The platform admin (`x-admin-key`): manages tenants, belongs to none.
    case platformAdmin
    /// A tenant API key and its role.
    case apiKey(id: UUID, role: KeyRole)
    /// A signed-in tenant user and their role.
    case user(id: UUID, role: UserRole)
    /// Nobody: a public route.
    case anonymous

    public var apiKeyID: UUID? {
        if case .apiKey(let id, _) = self { id } else { nil }
    }

    public var userID: UUID? {
        if case .user(let id, _) = self { id } else { nil }
    }

    /// `kind:id` for audit records (`api-key:<uuid>`, `user:<uuid>`, `platform-admin`); nil for nobody.
    public var auditName: String? {
        switch self {
        case .platformAdmin: Kind.platformAdmin.rawValue
        case .apiKey(let id, _): "\(Kind.apiKey.rawValue):\(id.lowercasedString)"
        case .user(let id, _): "\(Kind.user.rawValue):\(id.lowercasedString)"
        case .anonymous: nil
        }
    }

    /// The `Principal-Kind` values.
    enum Kind: String {
        case platformAdmin = "platform-admin"
        case apiKey = "api-key"
        case user
    }
}

/// A request header that is missing or does not parse: the sender's mistake (only the gateway
/// and the services send these headers, so it is a bug, reported as a 400).
public struct MalformedHeader: Error, Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let problem: String

    public init(_ name: String, _ problem: String) {
        self.name = name
        self.problem = problem
    }

    public var description: String { "the \(name) header \(problem)" }

    /// The 400 a service answers with.
    public var serviceError: ServiceError { .badRequest(description) }
}

/// What every request between services carries: the request id, the trace, the tenant, the
/// caller and (for get/update/delete) the resource. The gateway writes it with ``headers``;
/// services read it with ``init(headers:)``. Services trust it (only the gateway's NATS user may
/// publish the requests that carry it) and never authenticate again.
public struct Routing: Sendable, Equatable {
    /// The gateway's request id (`x-request-id`), which logs, usage events and audit records
    /// carry; empty when the sender named none.
    public var requestID: String
    /// The W3C trace context of the hop that sent this request.
    public var trace: TraceContext?
    /// The tenant every query of the request is scoped by (nil for the platform admin's own routes).
    public var tenant: UUID?
    public var caller: Caller
    /// The resource a get/update/delete is about.
    public var resourceID: UUID?
    /// The instance of the calling service, for audit records (the proxy sets it on releases).
    public var callerInstance: String?

    public init(
        requestID: String, trace: TraceContext? = nil, tenant: UUID? = nil, caller: Caller = .anonymous,
        resourceID: UUID? = nil, callerInstance: String? = nil
    ) {
        self.requestID = requestID
        self.trace = trace
        self.tenant = tenant
        self.caller = caller
        self.resourceID = resourceID
        self.callerInstance = callerInstance
    }

    /// The header names. Only this type reads or writes them.
    enum Header {
        static let requestID = "Request-Id"
        static let traceParent = "traceparent"
        static let tenantID = "Tenant-Id"
        static let principalKind = "Principal-Kind"
        static let principalID = "Principal-Id"
        static let principalRole = "Principal-Role"
        static let resourceID = "Resource-Id"
        static let callerInstance = "Caller-Instance"
    }

    /// Reads the routing a request carries. A malformed trace starts none (W3C's rule); a tenant,
    /// caller or resource that does not parse is refused.
    public init(headers: MessageHeaders) throws(MalformedHeader) {
        requestID = headers[Header.requestID] ?? ""
        trace = headers[Header.traceParent].flatMap(TraceContext.init(header:))
        tenant = try Self.uuid(headers, Header.tenantID)
        resourceID = try Self.uuid(headers, Header.resourceID)
        callerInstance = headers[Header.callerInstance]
        switch headers[Header.principalKind].map(Caller.Kind.init(rawValue:)) {
        case nil:
            caller = .anonymous
        case .some(nil):
            throw MalformedHeader(Header.principalKind, "names no kind of caller")
        case .platformAdmin?:
            caller = .platformAdmin
        case .apiKey?:
            let (id, role) = try Self.principal(headers, role: KeyRole.self, "names no API key role")
            caller = .apiKey(id: id, role: role)
        case .user?:
            let (id, role) = try Self.principal(headers, role: UserRole.self, "names no user role")
            caller = .user(id: id, role: role)
        }
    }

    /// The headers that carry this routing.
    public var headers: MessageHeaders {
        var headers = MessageHeaders()
        headers.reserveCapacity(16)  // the routing headers and what a caller adds (a proxied call: eight more)
        headers.add(Header.requestID, requestID)
        if let trace { headers.add(Header.traceParent, trace.header) }
        if let tenant { headers.add(Header.tenantID, tenant.lowercasedString) }
        let principal: (kind: Caller.Kind, id: UUID?, role: String?)? =
            switch caller {
            case .platformAdmin: (.platformAdmin, nil, nil)
            case .apiKey(let id, let role): (.apiKey, id, role.rawValue)
            case .user(let id, let role): (.user, id, role.rawValue)
            case .anonymous: nil
            }
        if let principal {
            headers.add(Header.principalKind, principal.kind.rawValue)
            if let id = principal.id { headers.add(Header.principalID, id.lowercasedString) }
            if let role = principal.role { headers.add(Header.principalRole, role) }
        }
        if let resourceID { headers.add(Header.resourceID, resourceID.lowercasedString) }
        if let callerInstance { headers.add(Header.callerInstance, callerInstance) }
        return headers
    }

    /// The tenant, which every tenant-scoped request must name (400 otherwise).
    public func requireTenant() throws(ServiceError) -> UUID {
        guard let tenant else { throw ServiceError.badRequest("the Tenant-Id header is missing or not a UUID") }
        return tenant
    }

    /// The resource a get/update/delete is about (404 when none is named: no such resource).
    public func requireResource() throws(ServiceError) -> UUID {
        guard let resourceID else { throw ServiceError.notFound("no such resource") }
        return resourceID
    }

    /// The routing headers a failure's log line carries, and the metadata key of each.
    public static let loggedHeaders: [(header: String, key: String)] = [
        (Header.requestID, "request.id"), (Header.tenantID, "tenant.id"), (Header.traceParent, "trace.parent"),
    ]

    /// An API key's or user's id and role.
    private static func principal<Role: RawRepresentable<String>>(
        _ headers: MessageHeaders, role: Role.Type, _ unknownRole: String
    ) throws(MalformedHeader) -> (UUID, Role) {
        guard let id = try uuid(headers, Header.principalID) else {
            throw MalformedHeader(Header.principalID, "is missing")
        }
        guard let role = headers[Header.principalRole].flatMap(Role.init(rawValue:)) else {
            throw MalformedHeader(Header.principalRole, unknownRole)
        }
        return (id, role)
    }

    private static func uuid(_ headers: MessageHeaders, _ name: String) throws(MalformedHeader) -> UUID? {
        guard let text = headers[name] else { return nil }
        guard let id = UUID(parsing: text) else { throw MalformedHeader(name, "is not a UUID") }
        return id
    }
}

extension NatsMessage {
    /// The routing this request carries (400 when it is malformed).
    public func routing() throws(ServiceError) -> Routing {
        do {
            return try Routing(headers: headers)
        } catch {
            throw error.serviceError
        }
    }

    /// The tenant every query of this request is scoped by (the gateway sets it).
    public func tenantID() throws(ServiceError) -> UUID {
        try routing().requireTenant()
    }

    /// The resource a request is about (`Resource-Id`), for get/update/delete.
    public func resourceID() throws(ServiceError) -> UUID {
        try routing().requireResource()
    }
}
