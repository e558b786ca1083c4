import Contracts
import Logging
import Messaging
import PostgresNIO
import ServiceLifecycle
import UnixSignals

/// Runs one service: connects to NATS and PostgreSQL, migrates the service's schema, then runs
/// its parts in a `ServiceGroup` until SIGTERM/SIGINT (or cancellation).
///
/// Shutdown runs in reverse start order: the service's own parts, then its endpoints (their
/// subscriptions drain, in-flight requests finish), then the NATS connection drains, and the
/// database client closes last.
public struct ServiceRuntime: Sendable {
    public let name: ServiceName
    public let description: String
    public let environment: Environment
    public let nats: NatsConfiguration
    /// A second connection for publishes nobody waits for: ``ServiceContext/batchedNats``.
    public let batchesNatsWrites: Bool
    public let database: DatabaseSettings
    public let migrations: MigrationRunner?
    public let logger: Logger

    public init(
        name: ServiceName, description: String, environment: Environment, nats: NatsConfiguration,
        batchesNatsWrites: Bool = false, database: DatabaseSettings, migrations: MigrationRunner?, logger: Logger
    ) {
        self.name = name
        self.description = description
        self.environment = environment
        self.nats = nats
        self.batchesNatsWrites = batchesNatsWrites
        self.database = database
        self.migrations = migrations
        self.logger = logger
    }

    public func run(
        signals: [UnixSignal] = [.sigterm, .sigint],
        build: @Sendable (ServiceContext) async throws -> ServiceDefinition
    ) async throws {
        let client = PostgresClient(configuration: database.configuration, backgroundLogger: logger)
        try await client.whileRunning(logger: logger) { client in
            try await run(client, signals: signals, build: build)
        }
    }

    /// The service's parts, until they stop.
    private func run(
        _ client: PostgresClient, signals: [UnixSignal],
        build: @Sendable (ServiceContext) async throws -> ServiceDefinition
    ) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            defer { group.cancelAll() }

            if let migrations { try await migrate(migrations, client) }
            let connection = try await NatsConnection.connect(nats, logger: logger)
            let batched = batchesNatsWrites ? try await NatsConnection.connect(batching(nats), logger: logger) : nil
            let context = ServiceContext(
                name: name, logger: logger, nats: connection, batchedNats: batched, database: client,
                environment: environment)
            let definition = try await build(context)
            let instanceID = MicroService.makeInstanceID()
            let databaseHealth =
                definition.endpointsNeedDatabase
                ? DatabaseHealth(database: client, configuration: database.configuration, logger: logger) : nil
            let ownEndpoints =
                definition.endpoints
                + (definition.tenantTables.map {
                    [
                        .tenantDeletion(
                            name, tables: $0, recordingIn: definition.deletedTenants, database: client,
                            logger: logger)
                    ]
                } ?? [])
            let endpoints = MicroService(
                connection: connection, id: instanceID,
                identity: .init(
                    name: name.rawValue, version: ProductVersion.current, description: description,
                    metadata: definition.metadata),
                endpoints: ownEndpoints.map { databaseHealth == nil ? $0 : $0.needingDependency() }
                    + [.health(name, instance: instanceID, database: client, logger: logger)],
                loggedHeaders: Routing.loggedHeaders, dependency: databaseHealth, logger: logger)
            var parts: [any Service] = [NatsConnectionService(connection: connection)]
            if let batched { parts.append(NatsConnectionService(connection: batched)) }
            if let databaseHealth { parts.append(databaseHealth) }
            parts += definition.dependencies + [endpoints] + definition.services
            let serviceGroup = ServiceGroup(
                configuration: .init(
                    services: parts.map { .init(service: $0) }, gracefulShutdownSignals: signals, logger: logger))
            let opsPort = try environment.integer("OPS_PORT", default: 0, range: 0...65535)
            if opsPort > 0 {
                let ops = OpsServer(
                    host: environment.optional("OPS_HOST") ?? "127.0.0.1", port: opsPort, service: name,
                    nats: connection, database: client, logger: logger)
                group.addTask { try await ops.run() }
            }
            logger.info("started", metadata: ["service.id": "\(endpoints.id)"])
            try await serviceGroup.run()
            logger.info("stopped")
        }
    }

    /// The batched connection's configuration: the same user, its writes gathered by libnats.
    private func batching(_ nats: NatsConfiguration) -> NatsConfiguration {
        var batching = nats
        batching.name += "-batched"
        batching.sendAsap = false
        return batching
    }

    /// Applies the schema's migrations and returns (`<service> migrate`).
    public func migrateOnly() async throws {
        let client = PostgresClient(configuration: database.configuration, backgroundLogger: logger)
        try await client.whileRunning(logger: logger) { client in
            if let migrations { try await migrate(migrations, client) }
        }
    }

    /// Migrates, retrying while the database is not reachable yet (it may start after us).
    private func migrate(_ migrations: MigrationRunner, _ client: PostgresClient) async throws {
        let deadline = ContinuousClock.now + database.startupTimeout
        while true {
            do {
                let applied = try await migrations.run(on: client, logger: logger)
                logger.info("schema up to date", metadata: ["schema": "\(migrations.schema)", "applied": "\(applied)"])
                return
            } catch let error as PSQLError where error.code == .connectionError && ContinuousClock.now < deadline {
                logger.warning("database not reachable yet; retrying")
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
