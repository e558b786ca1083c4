import AsyncHTTPClient
import Contracts
import Foundation
import Messaging
import NIOCore
import ServiceKit
import ServiceLifecycle

/// Assembles the proxy: one shared HTTP client, credential leases, the call and models endpoints,
/// the usage outbox relay, the limits every call is admitted against, and the tenants' routes
/// with their targets' shared health.
func buildProxy(_ configuration: ProxyConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    var httpConfiguration = HTTPClient.Configuration()
    httpConfiguration.timeout = .init(
        connect: .milliseconds(configuration.connectTimeout.milliseconds),
        read: .milliseconds(configuration.readTimeout.milliseconds))
    httpConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
    httpConfiguration.httpVersion = .automatic
    httpConfiguration.decompression = .disabled
    // A provider's 3xx goes back to the client as it is: following it would send the provider key
    // (and the credential's headers) to wherever the Location points, past the base-URL allow-list.
    httpConfiguration.redirectConfiguration = .disallow
    // The provider gets the caller's W3C `traceparent` from CallHandler; AsyncHTTPClient's own
    // spans (a no-op tracer unless one is bootstrapped) would only cost time on every call.
    httpConfiguration.tracing.tracer = nil
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)

    let leases = CredentialLeases(
        nats: context.nats, lifetime: configuration.leaseLifetime, instanceID: MicroService.makeInstanceID(),
        logger: context.logger)
    let usage = UsagePublisher(
        jetStream: context.nats.jetStream, database: context.database, logger: context.logger,
        linger: configuration.usageLinger)
    let allowances = Allowances(nats: context.nats, logger: context.logger)
    let limits = LimitGate(
        rules: TenantCache(lifetime: configuration.limitRulesLifetime) { tenant in
            let routing = Routing(requestID: "", tenant: tenant)
            let reply = try await context.nats.request(LimitSubjects.rules, headers: routing.headers)
            return try JSONDecoder().decode(LimitRules.self, from: Data(reply.payload)).rules.map(PreparedLimit.init)
        },
        prices: TenantCache(lifetime: .seconds(300)) { _ in
            let reply = try await context.nats.request(LimitSubjects.prices)
            return try JSONDecoder().decode(PriceTable.self, from: Data(reply.payload))
        },
        allowances: allowances)
    let routeStore = RouteStore(client: context.database, logger: context.logger)
    let routes = RouteTable(store: routeStore, lifetime: configuration.routesLifetime, logger: context.logger)
    let health = TargetHealth(nats: context.nats, logger: context.logger)
    let calls = CallHandler(
        leases: leases, client: client, configuration: configuration, usage: usage, limits: limits, routes: routes,
        planner: RoutePlanner(health: health), logger: context.logger)
    let models = ModelsHandler(
        leases: leases, client: client, configuration: configuration,
        cache: InvalidatingCache(lifetime: configuration.modelsCacheLifetime), routes: routes, logger: context.logger)
    let routeHandlers = RouteHandlers(store: routeStore, nats: context.nats, logger: context.logger)

    return ServiceDefinition(
        endpoints: [calls.endpoint, models.endpoint] + routeHandlers.endpoints,
        dependencies: [HTTPClientService(client: client), usage],
        services: [
            // The vault's announcement of a credential change drops its lease at once.
            SubjectListener.events(CredentialChanged.self, on: VaultSubjects.credentialChanged, nats: context.nats) {
                leases.drop($0)
            },
            // A tenant's limits changed: its rules are read again on its next call.
            SubjectListener.tenants(on: LimitSubjects.changedAll, nats: context.nats) { limits.rules.evict($0) },
            // A tenant's routes changed: they are read again on its next call.
            SubjectListener.tenants(on: RouteSubjects.changedAll, nats: context.nats) { routes.evict($0) },
            // Another instance's (or this one's) target cooldowns: the target is skipped here too.
            SubjectListener.events(TargetCooldown.self, on: RouteSubjects.cooldownAll, nats: context.nats) {
                health.heard($0)
            },
            AllowanceTicker(allowances),
            allowances.reclaimListener(nats: context.nats),
            OutboxRelay(
                jetStream: context.nats.jetStream, database: context.database, interval: .seconds(2),
                logger: context.logger),
        ],
        tenantTables: ["proxy.usage_outbox", "proxy.routes"])
}

/// Keeps the shared HTTP client for the life of the service group; shuts it down after the
/// endpoints have finished their calls.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
