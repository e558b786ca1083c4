import Contracts
import Messaging
import ServiceKit

/// Assembles the usage service: the durable consumer of usage events, the query endpoints, and
/// limits with their ledger.
func buildUsage(_ configuration: UsageConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    let store = UsageStore(client: context.database, logger: context.logger)
    let reports = UsageReports(client: context.database, logger: context.logger)
    try await context.nats.jetStream.ensureOwnStream(LimitSubjects.stream, logger: context.logger)
    let ledger = AllowanceLedger(client: context.database, logger: context.logger)
    let limits = LimitHandlers(
        store: LimitStore(client: context.database, logger: context.logger), ledger: ledger,
        prices: configuration.prices, nats: context.nats, logger: context.logger)
    return ServiceDefinition(
        endpoints: QueryHandlers(reports: reports, prices: configuration.prices).endpoints + limits.endpoints,
        services: [
            LedgerJanitor(ledger: ledger, logger: context.logger),
            UsageConsumer(
                jetStream: context.batchedNats.jetStream, store: store, prices: configuration.prices,
                batchSize: configuration.batchSize, pipeline: configuration.pipeline,
                linger: configuration.linger, consumerName: configuration.consumerName, logger: context.logger),
        ],
        metadata: ["priceVersion": configuration.prices.version],
        tenantTables: ["usage.events", "usage.rollups", "usage.limits", "usage.limit_counters"],
        deletedTenants: "usage.deleted_tenants")
}
