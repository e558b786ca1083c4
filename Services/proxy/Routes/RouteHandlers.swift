import Contracts
import Foundation
import Logging
import Messaging
import ServiceKit

/// The Routes API behind the gateway (`proxy.routes.*`): the gateway checked the caller and sends
/// the tenant's stored credentials along, which the targets must name.
struct RouteHandlers: Sendable {
    let store: RouteStore
    let nats: NatsConnection
    let logger: Logger

    var endpoints: [MicroService.Endpoint] {
        let group = Subjects.queueGroup(.proxy)
        return [
            .request("routes.create", subject: RouteSubjects.create, queueGroup: group) { request in
                let route = try Route(
                    try request.decodeMessage(RouteWrite.self), tenant: try request.tenantID(), changing: nil)
                try await store.save(route, isNew: true)
                changed(route.tenant)
                return try .json(RouteRecord(route: route))
            },
            .request("routes.list", subject: RouteSubjects.list, queueGroup: group) { request in
                let page = try request.decodeMessage(RouteListRequest.self)
                let routes = try await store.list(tenant: try request.tenantID(), limit: page.limit, after: page.after)
                return try .json(PageCursor.page(routes.map(RouteRecord.init), limit: page.limit, id: \.route.id))
            },
            .request("routes.get", subject: RouteSubjects.get, queueGroup: group) { request in
                try .json(RouteRecord(route: try await find(request)))
            },
            .request("routes.update", subject: RouteSubjects.update, queueGroup: group) { request in
                let existing = try await find(request)
                let route = try Route(
                    try request.decodeMessage(RouteWrite.self), tenant: existing.tenant, changing: existing)
                try await store.save(route, isNew: false)
                changed(route.tenant)
                return try .json(RouteRecord(route: route))
            },
            .request("routes.delete", subject: RouteSubjects.delete, queueGroup: group) { request in
                let route = try await find(request)
                try await store.delete(route)
                changed(route.tenant)
                return Reply()
            },
        ]
    }

    /// The route the request names, of the request's tenant (404 otherwise).
    private func find(_ request: NatsMessage) async throws -> Route {
        let routing = try request.routing()
        let id = try routing.requireResource()
        guard let route = try await store.find(id, tenant: try routing.requireTenant()) else {
            throw ServiceError.notFound("no route \(id.lowercasedString)")
        }
        return route
    }

    /// Tells every proxy instance to read the tenant's routes again.
    private func changed(_ tenant: UUID) {
        do {
            try nats.publish(RouteSubjects.changed(tenant: tenant), payload: [UInt8]())
        } catch {
            logger.warning("announcing a route change failed", metadata: ["error": "\(error)"])
        }
    }
}
