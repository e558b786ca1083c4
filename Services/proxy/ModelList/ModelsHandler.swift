import AsyncHTTPClient
import Contracts
import Foundation
import Logging
import Messaging
import NIOCore
import NIOHTTP1
import ServiceKit

/// `proxy.models`: the `service/model` ids a tenant's credentials reach, from each provider's
/// model list (cached per tenant and service), and the tenant's route names (`owned_by: "route"`).
struct ModelsHandler: Sendable {
    let leases: CredentialLeases
    let client: HTTPClient
    let configuration: ProxyConfiguration
    /// By the credential the list is asked with (the service's `default`).
    let cache: InvalidatingCache<CredentialKey, [ModelList.Model]>
    let routes: RouteTable
    let logger: Logger

    var endpoint: MicroService.Endpoint {
        .request("models", subject: ProxySubjects.models, queueGroup: Subjects.queueGroup(.proxy)) { request in
            let routing = try request.routing()
            let tenant = try routing.requireTenant()
            let ticket = request.headers[ReleaseTicket.header]
            let services = try request.decodeMessage(ModelsRequest.self).services
            let lists = await withTaskGroup(of: [ModelList.Model].self) { group in
                for service in Set(services).sorted() {
                    group.addTask {
                        (try? await models(tenant: tenant, service: service, routing: routing, ticket: ticket)) ?? []
                    }
                }
                return await group.reduce(into: [ModelList.Model]()) { $0 += $1 }
            }
            let routeNames = await routes.names(tenant: tenant).map {
                ModelList.Model(id: $0, created: 0, ownedBy: "route")
            }
            return try .json(ModelList(data: routeNames + lists.sorted { $0.id < $1.id }))
        }
    }

    private func models(tenant: UUID, service: String, routing: Routing, ticket: String?) async throws
        -> [ModelList.Model]
    {
        guard let adapter = ProviderID(service: service)?.adapter else { return [] }
        return try await cache.value(CredentialKey(tenant: tenant, service: service)) {
            let credential = try await leases.credential(
                tenant: tenant, service: service, name: "default", routing: routing, ticket: ticket)
            let target: UpstreamRequest
            switch try adapter.modelListing(credential: credential, policy: configuration.baseURLs) {
            case .known(let models): return models
            case .ask(let request): target = request
            }
            var upstream = HTTPClientRequest(url: target.url)
            upstream.headers = target.headers
            upstream.headers.remove(name: "content-type")
            let response = try await client.execute(upstream, timeout: .seconds(15), logger: logger)
            let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
            guard response.status.code == 200 else {
                logger.warning(
                    "model list refused", metadata: ["service": "\(service)", "status": "\(response.status.code)"])
                return []
            }
            return Self.parse(Array(body.readableBytesView), service: service)
        } ?? []
    }

    /// OpenAI's `{data: [{id, created, owned_by}]}`, Anthropic's `{data: [{id, created_at}]}`,
    /// Cohere's `{models: [{name}]}`.
    static func parse(_ body: [UInt8], service: String) -> [ModelList.Model] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return [] }
        let entries = (object["data"] as? [[String: Any]]) ?? (object["models"] as? [[String: Any]]) ?? []
        return entries.compactMap { entry in
            guard let id = (entry["id"] as? String) ?? (entry["name"] as? String) else { return nil }
            let created = (entry["created"] as? Int) ?? 0
            return ModelList.Model(
                id: "\(service)/\(id)", created: created, ownedBy: (entry["owned_by"] as? String) ?? service)
        }
    }
}
