import Foundation
import Logging
import Messaging

/// A NATS server with the product's real users and permissions (`deploy/nats/auth.conf`) and a
/// fresh database with its real roles (deploy/postgres/service-roles.sql): what the services need
/// to run as real processes in a test.
public final class TestCluster: Sendable {
    /// The NATS servers: one, or the nodes of a NATS cluster (``start(natsNodes:)``).
    public let natsServers: [NatsServer]
    /// The first NATS server.
    public var nats: NatsServer { natsServers[0] }
    /// Every server's URL, comma-separated (`NATS_URL`).
    public var natsURL: String { natsServers.map(\.url).joined(separator: ",") }
    /// Where launched services connect: on a cluster, every node but the first, which the test
    /// process's own clients (the in-process gateways) try first. A test can then lose the
    /// gateways' node without losing requests on their way to a service with it (a responder's
    /// node lost is another case: docs/operations.md, "A NATS node is lost").
    public var servicesNatsURL: String {
        (natsServers.count > 1 ? natsServers.dropFirst() : natsServers[...]).map(\.url).joined(separator: ",")
    }
    /// The database as the superuser: the tests' view of everything stored.
    public let databaseURL: String
    /// The PostgreSQL server holding it: ``PostgresServer/shared``, or one of this cluster's own.
    public let postgres: PostgresServer

    public static let services = ["gateway", "vault", "proxy", "content", "usage"]
    /// Test-only NATS passwords, one per user.
    public static let natsPasswords: [String: String] = Dictionary(
        uniqueKeysWithValues: (services + ["operator", "billing"]).map { ($0, "test-\($0)-password") })
    /// A test master key (64 hex characters).
    public static let masterKey = String(repeating: "0123456789abcdef", count: 4)
    public static let adminAPIKey = "adm_test_0123456789abcdef0123456789abcdef"
    public static let jwtSecret = "jwt-test-secret-0123456789abcdef0123456789"
    public static let mailingListTokenSecret = "list-test-secret-0123456789abcdef0123456789"
    public static let releaseTicketSecret = "ticket-test-secret-0123456789abcdef0123456789"

    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// A NATS server (or, with `natsNodes` > 1, a NATS cluster whose streams the services create
    /// with that many replicas) and a fresh database (on a PostgreSQL server of its own with
    /// `ownPostgres`, which the test may stop and start).
    public static func start(natsNodes: Int = 1, ownPostgres: Bool = false) async throws -> TestCluster {
        let auth = try String(
            contentsOf: repositoryRoot.appendingPathComponent("deploy/nats/auth.conf"), encoding: .utf8)
        let environment = Dictionary(
            uniqueKeysWithValues: natsPasswords.map { ("NATS_\($0.key.uppercased())_PASSWORD", $0.value) })
        let servers: [NatsServer]
        if natsNodes > 1 {
            servers = try await NatsServer.cluster(
                nodes: natsNodes, configuration: "include auth.conf\n", files: ["auth.conf": auth],
                environment: environment
            ) { servers in
                try await connect(servers, as: "operator")
            }
        } else {
            servers = [
                try await NatsServer.start(
                    configuration: "include auth.conf\n", files: ["auth.conf": auth], environment: environment)
            ]
        }
        let postgres = ownPostgres ? PostgresServer() : PostgresServer.shared
        let databaseURL = try await postgres.createDatabase()
        return TestCluster(natsServers: servers, databaseURL: databaseURL, postgres: postgres)
    }

    private init(natsServers: [NatsServer], databaseURL: String, postgres: PostgresServer) {
        self.natsServers = natsServers
        self.databaseURL = databaseURL
        self.postgres = postgres
    }

    /// The database as `service`'s own role sees it.
    public func databaseURL(for service: String) -> String {
        Self.databaseURL(databaseURL, as: service)
    }

    /// `url` with `service`'s role and password as its user.
    public static func databaseURL(_ url: String, as service: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.user = ServiceRoles.role(service)
        components.password = PostgresServer.rolePassword(service)
        return components.string ?? url
    }

    /// The environment `scripts/services.sh` would give `service`.
    public func environment(for service: String, gatewayPort: Int = 0) -> [String: String] {
        var environment = Self.environment(
            for: service, natsURL: servicesNatsURL, databaseURL: databaseURL, gatewayPort: gatewayPort)
        if natsServers.count > 1 { environment["JETSTREAM_REPLICAS"] = String(natsServers.count) }
        return environment
    }

    /// The environment of `service` for the given servers.
    public static func environment(for service: String, natsURL: String, databaseURL: String, gatewayPort: Int = 0)
        -> [String: String]
    {
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "NATS_URL": natsURL, "NATS_USER": service, "NATS_PASSWORD": natsPasswords[service]!,
            "DATABASE_URL": Self.databaseURL(databaseURL, as: service), "LOG_LEVEL": "info",
            // Dozens of suites run at once against one PostgreSQL (max_connections 1000), each
            // with a gateway and the services it launches: a few connections each is plenty.
            "DATABASE_POOL_SIZE": "4",
        ]
        switch service {
        case "gateway":
            environment["SERVER_PORT"] = String(gatewayPort)
            environment["ADMIN_API_KEY"] = adminAPIKey
            environment["JWT_SECRET"] = jwtSecret
            environment["RELEASE_TICKET_SECRET"] = releaseTicketSecret
            environment["SWAGGER_UI_DIR"] = repositoryRoot.appendingPathComponent(".data/swagger-ui").path
        case "vault":
            environment["CRED_ENCRYPT_KEY"] = masterKey
            environment["RELEASE_TICKET_SECRET"] = releaseTicketSecret
        case "content":
            environment["MAILING_LIST_TOKEN_SECRET"] = mailingListTokenSecret
        default:
            break
        }
        return environment
    }

    /// Starts the built executable of `service` with its environment (plus `overrides`).
    public func launch(_ service: String, overrides: [String: String] = [:], gatewayPort: Int = 0) throws
        -> ChildProcess
    {
        try Self.launch(
            service, environment: environment(for: service, gatewayPort: gatewayPort).merging(overrides) { $1 })
    }

    /// Starts the built executable of `service` with exactly `environment`.
    public static func launch(_ service: String, environment: [String: String]) throws -> ChildProcess {
        try ChildProcess(
            try Executables.product(service), [], environment: environment, inheritEnvironment: false, logName: service)
    }

    /// A client connected as `user` (a service's user, or `operator`).
    public func connect(as user: String) async throws -> NatsConnection {
        try await Self.connect(natsServers, as: user)
    }

    /// A client of every one of `servers` (it reconnects to another when its server goes).
    static func connect(_ servers: [NatsServer], as user: String) async throws -> NatsConnection {
        var configuration = NatsConfiguration(
            servers: servers.map(\.url), user: user, password: natsPasswords[user], name: "test-\(user)")
        configuration.streamReplicas = servers.count
        configuration.randomize = false  // the first node first (see servicesNatsURL)
        let connection = try await NatsConnection.connect(configuration, logger: .init(label: "test.nats"))
        try await connection.flush()
        return connection
    }
}
