import Contracts
import Foundation
import Messaging

/// One proxied call as the gateway asked for it, ready to send: on whose behalf (``Routing``),
/// where it goes (``CallRoute``) and what goes there (``CallPayload``). Reading it does every
/// check that needs no credential: a call refused here reached nothing and costs nothing.
struct ProxyCall: Sendable {
    let routing: Routing
    let tenant: UUID
    /// The gateway's request id (a fresh one if it named none).
    let requestID: String
    /// The provider gets a child of the gateway's span (W3C `traceparent`).
    let trace: TraceContext
    let route: CallRoute
    let payload: CallPayload
    /// The usage event's id: minted here, since a client may choose its request id.
    let eventID = UUID.v7().uuidString.lowercased()

    init(_ request: NatsMessage) throws(ServiceError) {
        routing = try request.routing()
        tenant = try routing.requireTenant()
        requestID = routing.requestID.isEmpty ? UUID().uuidString : routing.requestID
        trace = (routing.trace ?? .root()).child()
        let headers: ProxyCallHeaders
        do {
            headers = try ProxyCallHeaders(headers: request.headers)
        } catch {
            throw error.serviceError
        }
        guard let fields = JSONFields(request.payload) else {
            throw ServiceError.badRequest("the payload must be a JSON object")
        }
        route = try CallRoute(headers, payload: fields)
        payload = CallPayload(fields, route: route, streamRequested: headers.stream)
    }
}
