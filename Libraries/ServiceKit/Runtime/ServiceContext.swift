import Contracts
import Logging
import Messaging
import PostgresNIO
import ServiceLifecycle

/// What a service's build function gets: its configuration is its own; these are shared.
public struct ServiceContext: Sendable {
    public let name: ServiceName
    public let logger: Logger
    /// Writes each message at once: endpoints' replies, requests.
    public let nats: NatsConnection
    /// A second connection of the same user whose writes libnats gathers into one per
    /// millisecond, for many small publishes nobody waits for (a consumer's acks), so that
    /// ``nats``'s replies do not wait for its flusher; ``nats`` itself unless the service asked
    /// for it (`ServiceMain.run(batchesNatsWrites:)`).
    public let batchedNats: NatsConnection
    public let database: PostgresClient
    public let environment: Environment

    public init(
        name: ServiceName, logger: Logger, nats: NatsConnection, batchedNats: NatsConnection? = nil,
        database: PostgresClient, environment: Environment
    ) {
        self.name = name
        self.logger = logger
        self.nats = nats
        self.batchedNats = batchedNats ?? nats
        self.database = database
        self.environment = environment
    }
}

/// What a service runs: its NATS endpoints (served in its queue group, with `$SRV` discovery
/// and the health endpoint added) and any other long-running parts, in start order.
public struct ServiceDefinition: Sendable {
    public var endpoints: [MicroService.Endpoint]
    /// Parts the endpoints use (an HTTP client): started before them, stopped after them.
    public var dependencies: [any Service]
    /// Parts that use the endpoints' world (an HTTP server, consumers): started after, stopped before.
    public var services: [any Service]
    public var metadata: [String: String]
    /// Tables (`schema.table`, with a `tenant_id` column) emptied of a tenant's rows when the
    /// tenant is deleted; nil for the gateway, which owns the tenants themselves.
    public var tenantTables: [String]?
    /// A table (`schema.table` with a `tenant_id` primary key) the deletion records the tenant in,
    /// in the same transaction: for a service whose in-flight work (events still on their way)
    /// would otherwise write the deleted tenant's rows again; it checks the table before writing.
    public var deletedTenants: String?
    /// Whether every endpoint needs the database: then they answer 503 at once while it is down
    /// (``DatabaseHealth``), rather than waiting for it.
    public var endpointsNeedDatabase: Bool

    public init(
        endpoints: [MicroService.Endpoint] = [], dependencies: [any Service] = [], services: [any Service] = [],
        metadata: [String: String] = [:], tenantTables: [String]? = nil, deletedTenants: String? = nil,
        endpointsNeedDatabase: Bool = false
    ) {
        self.endpoints = endpoints
        self.dependencies = dependencies
        self.services = services
        self.metadata = metadata
        self.tenantTables = tenantTables
        self.deletedTenants = deletedTenants
        self.endpointsNeedDatabase = endpointsNeedDatabase
    }
}
