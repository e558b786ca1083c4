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
    public let database: DatabaseSettings
    public let migrations: MigrationRunner?
    public let logger: Logger

    public init(
        name: ServiceName, description: String, environment: Environment, nats: NatsConfiguration,
        database: DatabaseSettings, migrations: MigrationRunner?, logger: Logger
    ) {
        self.name = name
        self.description = description
        self.environment = environment
        self.nats = nats
        self.database = database
        self.migrations = migrations
        self.logger = logger
    }

    public func run(
        signals: [UnixSignal] = [.sigterm, .sigint],
        build: @Sendable (ServiceContext) async throws -> ServiceDefinition
    ) async throws {
        let client = PostgresClient(configuration: database.configuration, backgroundLogger: logger)
        let clientRun = await start(client)
        do {
            try await run(client, signals: signals, build: build)
        } catch {
            await stop(client: clientRun)
            throw error
        }
        await stop(client: clientRun)
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
            let context = ServiceContext(
                name: name, logger: logger, nats: connection, database: client, environment: environment)
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

    /// Applies the schema's migrations and returns (`<service> migrate`).
    public func migrateOnly() async throws {
        let client = PostgresClient(configuration: database.configuration, backgroundLogger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            await start(client, in: &group)
            defer { group.cancelAll() }
            if let migrations { try await migrate(migrations, client) }
        }
    }

    /// Runs the client in a task of its own and returns it once the client's `run()` is underway
    /// (queries made before that wait, and PostgresNIO warns about them), with a value set when
    /// `run()` returns.
    private func start(_ client: PostgresClient) async -> (task: Task<Void, Never>, ended: OneShot<Void>) {
        let (started, signal) = AsyncStream.makeStream(of: Void.self)
        let ended = OneShot<Void>()
        let task = Task {
            signal.finish()
            await client.run()
            ended.set(())
        }
        for await _ in started {}
        return (task, ended)
    }

    /// Stops the database client, waiting for it at most five seconds: its `run()` waits for every
    /// connection lent out to come back, and one that never does (seen once in a while after a load,
    /// every part of the service stopped) must not keep the process from exiting.
    private func stop(client run: (task: Task<Void, Never>, ended: OneShot<Void>)) async {
        run.task.cancel()
        let closed = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await run.ended.wait() != nil }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        if !closed { logger.warning("the database client did not close within 5 s; stopping without it") }
    }

    /// Runs the client in `group` and returns once its `run()` is underway (queries made
    /// before that wait, and PostgresNIO warns about them).
    private func start(_ client: PostgresClient, in group: inout ThrowingDiscardingTaskGroup<any Error>) async {
        let (started, signal) = AsyncStream.makeStream(of: Void.self)
        group.addTask {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
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
