import Contracts
import Foundation
import Logging
import Messaging
import Metrics
import NIOCore
import NIOPosix
import Prometheus

/// The `main` of every service executable.
public enum ServiceMain {
    /// Exit status for bad configuration (`EX_CONFIG`).
    public static let configurationExitCode: Int32 = 78

    /// Reads the environment (stopping with one line naming a bad variable), installs logging and
    /// metrics, then runs the service until SIGTERM/SIGINT. Exits non-zero when it fails.
    /// `batchesNatsWrites`: the service gets a second NATS connection whose writes libnats gathers
    /// (``ServiceContext/batchedNats``, see ``NatsConfiguration/sendAsap``), for many small
    /// publishes nobody waits for (a consumer's acks). `prefersEventLoopTaskExecutor`: see
    /// ``EventLoopTaskExecutor`` (for a service answering HTTP).
    public static func run<Configuration: Sendable>(
        _ name: ServiceName,
        description: String,
        migrations: MigrationRunner?,
        batchesNatsWrites: Bool = false,
        prefersEventLoopTaskExecutor: Bool = false,
        configuration parse: (Environment) throws(ConfigurationError) -> Configuration,
        build: @escaping @Sendable (Configuration, ServiceContext) async throws -> ServiceDefinition
    ) async -> Never {
        // Tasks run on NIO's event loops (where HTTP, PostgreSQL and the HTTP client do their I/O)
        // instead of a separate pool: a task that answers a request no longer hops between the two.
        // Nothing may block in a task (blocking libnats calls and bcrypt run on Dispatch threads).
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let environment = Environment()
        let runtime: ServiceRuntime
        let configuration: Configuration
        do {
            let logging = try LoggingSettings.from(environment)
            let nats = try NatsConfiguration.from(environment, name: name.rawValue)
            let database = try DatabaseSettings.from(environment)
            configuration = try parse(environment)
            logging.bootstrap()
            Metrics.bootstrap()
            runtime = ServiceRuntime(
                name: name, description: description, environment: environment, nats: nats,
                batchesNatsWrites: batchesNatsWrites, database: database, migrations: migrations,
                logger: Logger(label: name.rawValue))
        } catch {
            FileHandle.standardError.write(Data("\(name.rawValue): configuration error: \(error)\n".utf8))
            exit(configurationExitCode)
        }

        do {
            // The service's tasks (its structured children) prefer the event loops as their executor,
            // if asked: see EventLoopTaskExecutor.
            try await withTaskExecutorPreference(prefersEventLoopTaskExecutor ? EventLoopTaskExecutor.shared : nil) {
                if CommandLine.arguments.dropFirst().first == "migrate" {
                    try await runtime.migrateOnly()
                } else {
                    try await runtime.run { context in try await build(configuration, context) }
                }
            }
            exit(0)
        } catch let error as ConfigurationError {
            // Found only once connected (a master key that does not match the stored data).
            FileHandle.standardError.write(Data("\(name.rawValue): configuration error: \(error)\n".utf8))
            exit(configurationExitCode)
        } catch {
            runtime.logger.critical("\(name.rawValue) failed: \(String(reflecting: error))")
            exit(1)
        }
    }
}

/// The process's metrics, exported in Prometheus text format.
public enum Metrics {
    public static let registry = PrometheusCollectorRegistry()

    /// Makes swift-metrics record into ``registry``; once per process (later calls do nothing).
    public static func bootstrap() { _ = bootstrapped }

    private static let bootstrapped: Void = MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

    /// Every metric, in the Prometheus text exposition format.
    public static func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
