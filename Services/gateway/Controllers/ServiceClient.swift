import Contracts
import Foundation
import Hummingbird
import Messaging

/// Calls a backing service over NATS on behalf of the authenticated principal: the tenant,
/// principal and request id travel in headers; the services never authenticate again.
struct ServiceClient: Sendable {
    let nats: NatsConnection
    var timeout: Duration = .seconds(10)

    func call(
        _ subject: String, payload: some ContiguousBytes = [UInt8](), context: GatewayRequestContext,
        resourceID: UUID? = nil
    ) async throws -> NatsMessage {
        var headers = Self.routingHeaders(context)
        if let resourceID { headers[RoutingHeaders.resourceID] = resourceID.uuidString.lowercased() }
        return try await nats.request(subject, payload: payload, headers: headers, timeout: timeout)
    }

    /// The request id, tenant and principal, as every service receives them.
    static func routingHeaders(_ context: GatewayRequestContext) -> MessageHeaders {
        var headers: MessageHeaders = [
            RoutingHeaders.requestID: context.requestID, RoutingHeaders.traceParent: context.trace.child().header,
        ]
        if let principal = context.principal {
            if let tenant = principal.tenant { headers[RoutingHeaders.tenantID] = tenant.id.uuidString.lowercased() }
            switch principal.kind {
            case .platformAdmin:
                headers[RoutingHeaders.principalKind] = "platform-admin"
            case .apiKey(let id, let role):
                headers[RoutingHeaders.principalKind] = "api-key"
                headers[RoutingHeaders.principalID] = id.uuidString.lowercased()
                headers[RoutingHeaders.principalRole] = role.rawValue
            case .user(let id, let role, _, _):
                headers[RoutingHeaders.principalKind] = "user"
                headers[RoutingHeaders.principalID] = id.uuidString.lowercased()
                headers[RoutingHeaders.principalRole] = role.rawValue
            }
        }
        return headers
    }

    /// Calls and decodes a JSON reply.
    func call<Reply: Decodable>(
        _ subject: String, payload: some ContiguousBytes = [UInt8](), context: GatewayRequestContext,
        resourceID: UUID? = nil, as type: Reply.Type
    ) async throws -> Reply {
        let reply = try await call(subject, payload: payload, context: context, resourceID: resourceID)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Reply.self, from: Data(reply.payload))
    }
}

extension Request {
    /// The raw body (413 past the limit), for routes that forward it to a service untouched.
    func bodyBytes(context: GatewayRequestContext) async throws -> [UInt8] {
        var request = self
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        return Array(buffer.readableBytesView)
    }
}
