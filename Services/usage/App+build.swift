import Contracts
import Messaging
import ServiceKit

/// Assembles the usage service: the durable consumer of usage events and the query endpoints.
func buildUsage(_ configuration: UsageConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    let store = UsageStore(client: context.database, logger: context.logger)
    let reports = UsageReports(client: context.database, logger: context.logger)
    return ServiceDefinition(
        endpoints: QueryHandlers(reports: reports, prices: configuration.prices).endpoints,
        services: [
            UsageConsumer(
                jetStream: context.nats.jetStream, store: store, prices: configuration.prices,
                batchSize: configuration.batchSize, pipeline: configuration.pipeline,
                linger: configuration.linger, consumerName: configuration.consumerName, logger: context.logger)
        ],
        metadata: ["priceVersion": configuration.prices.version],
        tenantTables: ["usage.events", "usage.rollups"], deletedTenants: "usage.deleted_tenants")
}
