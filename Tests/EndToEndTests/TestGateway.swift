import Contracts
import Foundation
import Hummingbird
import Logging
import Messaging
import PostgresNIO
import ServiceKit
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

@testable import Gateway

/// One or more gateway instances running in this process against a real NATS (with the
/// product's permissions) and a fresh PostgreSQL database, reached over real HTTP.
struct TestGateway: Sendable {
    let cluster: TestCluster
    /// One client per gateway instance.
    let instances: [HTTPTestClient]
    /// The database as the superuser (what tests look at); the gateways use their own role.
    let database: PostgresClient
    let logs: LogCapture
    /// Each instance's NATS connection.
    let natsConnections: [NatsConnection]
    /// What ``launch(_:overrides:instances:)`` started: kept running until the test ends
    /// (a dropped ``ChildProcess`` kills its process).
    let launched = Launched()

    final class Launched: Sendable {
        let processes = Mutex<[ChildProcess]>([])
    }

    var http: HTTPTestClient { instances[0] }
    var adminHeaders: [String: String] { ["x-admin-key": TestCluster.adminAPIKey] }

    /// Runs `body` with `count` gateway instances; `environment` overrides their settings.
    static func run(
        instances count: Int = 1, natsNodes: Int = 1, ownPostgres: Bool = false,
        environment overrides: [String: String] = [:],
        _ body: @Sendable (TestGateway) async throws -> Void
    ) async throws {
        Metrics.bootstrap()  // the gateways in this process record into the registry /metrics serves
        let cluster = try await TestCluster.start(natsNodes: natsNodes, ownPostgres: ownPostgres)
        var values = cluster.environment(for: "gateway")
        values["BCRYPT_COST"] = "4"
        values.merge(overrides) { $1 }
        let environment = Environment(values)
        let configuration = try GatewayConfiguration(environment)
        let logs = LogCapture()
        let logger = logs.logger(label: "gateway")
        let database = PostgresClient(
            configuration: try DatabaseSettings.from(
                Environment(["DATABASE_URL": cluster.databaseURL, "DATABASE_POOL_SIZE": "4"])
            ).configuration,
            backgroundLogger: logger)
        let gatewayDatabase = PostgresClient(
            configuration: try DatabaseSettings.from(environment).configuration, backgroundLogger: logger)

        // Each client stopped within 10 s (PostgresClient.whileRunning): its warning goes to the
        // test's output rather than the whole run waiting.
        let stderrLogger = Logger(label: "database of \"\(Test.current?.name ?? "?")\"") {
            StreamLogHandler.standardError(label: $0)
        }
        try await database.whileRunning(stopWithin: .seconds(10), logger: stderrLogger) { database in
            try await gatewayDatabase.whileRunning(stopWithin: .seconds(10), logger: stderrLogger) { gatewayDatabase in
                try await MigrationRunner(schema: "gateway", migrations: GatewayMigrations.all).run(
                    on: gatewayDatabase, logger: logger)
                let (clients, connections, parts) = try await startInstances(
                    count, cluster: cluster, configuration: configuration, environment: environment, logger: logger,
                    database: gatewayDatabase)
                let gateway = TestGateway(
                    cluster: cluster, instances: clients, database: database, logs: logs, natsConnections: connections)
                do {
                    try await body(gateway)
                } catch {
                    await Self.stop(parts)
                    throw error
                }
                await Self.stop(parts)
            }
        }
    }

    /// `count` gateway instances as the gateway's executable builds them, each on a port of its
    /// own. Their parts run in tasks of their own, stopped by the caller (``stop(_:)``): one that
    /// does not end when cancelled fails the test by name instead of holding the whole run.
    private static func startInstances(
        _ count: Int, cluster: TestCluster, configuration: GatewayConfiguration, environment: ServiceKit.Environment,
        logger: Logger, database: PostgresClient
    ) async throws -> (
        clients: [HTTPTestClient], connections: [NatsConnection], parts: [(name: String, task: Task<Void, any Error>)]
    ) {
        var clients: [HTTPTestClient] = []
        var connections: [NatsConnection] = []
        var parts: [(name: String, task: Task<Void, any Error>)] = []
        do {
            for _ in 0..<count {
                let nats = try await cluster.connect(as: "gateway")
                connections.append(nats)
                let context = ServiceContext(
                    name: .gateway, logger: logger, nats: nats, database: database, environment: environment)
                let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
                let definition = try await buildGateway(configuration, context) { port in portContinuation.yield(port) }
                for part in definition.dependencies + definition.services {
                    parts.append((String(describing: type(of: part)), Task { try await part.run() }))
                }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else {
                    throw TestInfrastructureError("the gateway did not start")
                }
                clients.append(HTTPTestClient(baseURL: "http://127.0.0.1:\(port)"))
            }
        } catch {
            await stop(parts)
            throw error
        }
        return (clients, connections, parts)
    }

    /// Cancels the gateways' parts and waits for each to end, at most a minute.
    private static func stop(_ parts: [(name: String, task: Task<Void, any Error>)]) async {
        for part in parts { part.task.cancel() }
        for part in parts {
            let ended = OneShot<Void>()
            Task {
                _ = await part.task.result
                ended.set(())
            }
            var waited = 0
            while !ended.isSet && waited < 600 {  // counted: a minute at most on an idle machine
                try? await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            if !ended.isSet {
                Issue.record("the gateway's \(part.name) did not stop within a minute of its cancellation")
            }
        }
    }

    // MARK: - Shortcuts

    /// Creates a tenant; returns its id, slug and first admin key.
    func createTenant(_ name: String = "Tenant \(UUID().uuidString.prefix(8))", modules: [String]? = nil) async throws
        -> (id: String, slug: String, key: String)
    {
        var body: [String: Any] = ["name": name]
        if let modules { body["modules"] = modules }
        let response = try await http.post("/tenants", json: body, headers: adminHeaders)
        guard response.status == 201, let id = response.json["id"] as? String,
            let slug = response.json["slug"] as? String,
            let key = response.json["apiKey"] as? String
        else {
            throw TestInfrastructureError("creating a tenant failed: \(response.status) \(response.text)")
        }
        return (id, slug, key)
    }

    /// Creates an API key with `role` in the tenant of `adminKey`.
    func createKey(_ role: String, adminKey: String) async throws -> (id: String, key: String) {
        let response = try await http.post(
            "/api-keys", json: ["name": "\(role) key", "role": role], headers: ["x-api-key": adminKey])
        guard response.status == 201, let id = response.json["id"] as? String, let key = response.json["key"] as? String
        else {
            throw TestInfrastructureError("creating a key failed: \(response.status) \(response.text)")
        }
        return (id, key)
    }

    /// Registers a user; returns the session body (user, accessToken, refreshToken).
    func register(_ username: String, key: String, password: String = "correct horse battery") async throws -> [String:
        Any]
    {
        let response = try await http.post(
            "/auth/register", json: ["email": "\(username)@example.com", "username": username, "password": password],
            headers: ["x-api-key": key])
        guard response.status == 201 else {
            throw TestInfrastructureError("registering failed: \(response.status) \(response.text)")
        }
        return response.json
    }

    /// Starts a service process (e.g. the vault) and waits until `instances` instances of that
    /// service answer `$SRV.PING` (this one included).
    func launch(_ service: String, overrides: [String: String] = [:], instances: Int = 1) async throws -> ChildProcess {
        let process = try cluster.launch(service, overrides: overrides)
        launched.processes.withLock { $0.append(process) }
        let probe = try await cluster.connect(as: "operator")
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw TestInfrastructureError("\(service) exited: \(process.output)") }
            let replies = try await probe.collectReplies("$SRV.PING.\(service)", window: .milliseconds(100))
            if replies.count >= instances { return process }
        }
        throw TestInfrastructureError("\(service) did not start: \(process.output)")
    }

    /// A router built like the running ones (to read its registered routes).
    func buildRouter() async throws -> Router<GatewayRequestContext> {
        var values = cluster.environment(for: "gateway")
        values["BCRYPT_COST"] = "4"
        let environment = Environment(values)
        let nats = try await cluster.connect(as: "gateway")
        let context = ServiceContext(
            name: .gateway, logger: logs.logger(label: "router"), nats: nats, database: database,
            environment: environment)
        return try await Gateway(try GatewayConfiguration(environment), context).router
    }

    /// Everything stored in the gateway's schema, as text (to look for secrets that must not be there).
    func databaseDump() async throws -> String {
        var dump = ""
        for table in ["tenants", "api_keys", "users", "sessions", "refresh_tokens", "password_resets"] {
            let rows = try await database.query(
                PostgresQuery(unsafeSQL: "SELECT row_to_json(t)::text FROM gateway.\(table) t"))
            for try await text in rows.decode(String.self) { dump += text + "\n" }
        }
        return dump
    }
}

/// Collects every log line of the gateways under test.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func logger(label: String) -> Logger {
        var logger = Logger(label: label) { _ in CaptureHandler(capture: self) }
        logger.logLevel = .debug
        return logger
    }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    private struct CaptureHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append("\(event.level) \(event.message) \(merged)")
        }
    }
}
