import Foundation
import Logging
import PostgresNIO
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A real PostgreSQL for the tests: the one `TEST_DATABASE_URL` names, else a private cluster
/// started on a free port for this test process and stopped at its exit. Each test gets a
/// database of its own from ``createDatabase()``, set up as a deployment's is: one role per
/// service owning its schema (deploy/postgres/service-roles.sql).
public actor PostgresServer {
    public static let shared = PostgresServer()

    /// Resolved once; callers arriving while the cluster starts wait for the same start.
    private var admin: Task<URLComponents, any Error>?
    private var counter = 0

    /// The password of a service's role in the tests (the private cluster trusts loopback anyway).
    public static func rolePassword(_ service: String) -> String { "test-\(service)-db-password" }

    /// A fresh database with the services' schemas, each owned by its service's role; returns its
    /// URL (as the superuser: the tests' own view).
    public func createDatabase() async throws -> String {
        let admin = try await adminURL()
        counter += 1
        let name = "t_\(getpid())_\(counter)_\(UInt32.random(in: 0...UInt32.max))"
        try await Self.execute("CREATE DATABASE \(name)", on: admin)
        var url = admin
        url.path = "/\(name)"
        try await Self.execute(try ServiceRoles.script().schemas, on: url)
        return url.string!
    }

    private func adminURL() async throws -> URLComponents {
        if admin == nil {
            admin = Task {
                var url: URLComponents
                if let given = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"],
                    let parsed = URLComponents(string: given)
                {
                    url = parsed
                } else {
                    let cluster = try await LocalCluster.create()
                    self.setCluster(cluster)
                    url = cluster.url
                }
                let passwords = Dictionary(
                    uniqueKeysWithValues: ServiceRoles.services.map { ($0, Self.rolePassword($0)) })
                try await Self.execute(
                    ServiceRoles.passwordSettings(passwords) + [
                        PostgresQuery(unsafeSQL: try ServiceRoles.script().roles)
                    ],
                    on: url)
                return url
            }
        }
        return try await admin!.value
    }

    /// Runs one statement on the database at `url` (as the user it names).
    public static func execute(_ sql: String, on url: String) async throws {
        guard let components = URLComponents(string: url) else { throw TestInfrastructureError("bad URL \(url)") }
        try await execute(sql, on: components)
    }

    static func execute(_ sql: String, on url: URLComponents) async throws {
        try await execute([PostgresQuery(unsafeSQL: sql)], on: url)
    }

    /// Runs the statements in order, in one session.
    static func execute(_ statements: [PostgresQuery], on url: URLComponents) async throws {
        let configuration = PostgresConnection.Configuration(
            host: url.host ?? "127.0.0.1", port: url.port ?? 5432, username: url.user ?? "postgres",
            password: url.password,
            database: String(url.path.dropFirst()).isEmpty ? "postgres" : String(url.path.dropFirst()),
            tls: .disable)
        let connection = try await PostgresConnection.connect(
            configuration: configuration, id: 1, logger: Logger(label: "test.postgres"))
        do {
            for statement in statements {
                try await connection.query(statement, logger: Logger(label: "test.postgres"))
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    // MARK: - A private cluster

    /// The cluster this server started (nil with `TEST_DATABASE_URL`).
    private var cluster: LocalCluster?

    private func setCluster(_ cluster: LocalCluster) { self.cluster = cluster }

    /// A server of its own (not ``shared``), which a test may stop and start: its first
    /// ``createDatabase()`` starts its cluster.
    public init() {}

    /// Stops the cluster (`pg_ctl stop -m fast`: connections are cut, as in a crash or failover).
    public func stop() async throws {
        guard let cluster else { throw TestInfrastructureError("this server's cluster was not started by the tests") }
        try await cluster.stop()
    }

    /// Starts the stopped cluster again, on the same port with the same data.
    public func start() async throws {
        guard let cluster else { throw TestInfrastructureError("this server's cluster was not started by the tests") }
        try await cluster.start()
    }

    public static func postgresBinaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        guard let version = versions.compactMap(Int.init).max() else {
            throw TestInfrastructureError("PostgreSQL is not installed (run `make install`)")
        }
        return "\(root)/\(version)/bin"
    }

    static func run(_ executable: String, _ arguments: [String], asPostgres: Bool = false) async throws {
        if asPostgres {
            try await ChildProcess.run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
        } else {
            try await ChildProcess.run(executable, arguments)
        }
    }
}

/// A PostgreSQL cluster the tests started on a free loopback port; stopped when the test process exits.
struct LocalCluster: Sendable {
    let binaries: String
    let directory: String
    let port: Int
    let asRoot: Bool
    var data: String { directory + "/data" }
    var log: String { directory + "/log" }

    var url: URLComponents {
        var url = URLComponents()
        url.scheme = "postgres"
        url.user = "postgres"
        url.host = "127.0.0.1"
        url.port = port
        url.path = "/postgres"
        return url
    }

    static func create() async throws -> LocalCluster {
        let binaries = try PostgresServer.postgresBinaries()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "strongbox-pg-\(getpid())-\(UUID().uuidString.prefix(6))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let asRoot = getuid() == 0
        if asRoot { try await PostgresServer.run("/bin/chown", ["postgres:postgres", directory]) }
        try await PostgresServer.run(
            binaries + "/initdb",
            ["-D", directory + "/data", "--auth=trust", "-U", "postgres", "--no-sync", "-E", "UTF8"],
            asPostgres: asRoot)
        // A free port can be taken before PostgreSQL binds it (an outgoing connection of another
        // test gets the same ephemeral port): then try another.
        var attempt = 1
        while true {
            let cluster = LocalCluster(
                binaries: binaries, directory: directory, port: Loopback.freePort(), asRoot: asRoot)
            do {
                try await cluster.start()
                stopAtExit(cluster)
                return cluster
            } catch
                where attempt < 5
                && ((try? String(contentsOfFile: cluster.log, encoding: .utf8))?.contains("Address already in use")
                    ?? false)
            {
                attempt += 1
                try? FileManager.default.removeItem(atPath: cluster.log)
            }
        }
    }

    func start() async throws {
        try await PostgresServer.run(
            binaries + "/pg_ctl",
            [
                "-D", data, "-l", log, "-w", "-o",
                "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=1000",
                "start",
            ], asPostgres: asRoot)
    }

    func stop() async throws {
        try await PostgresServer.run(
            binaries + "/pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"], asPostgres: asRoot)
    }
}

private let clustersToStop = Mutex<[LocalCluster]>([])

private func stopAtExit(_ cluster: LocalCluster) {
    let first = clustersToStop.withLock { clusters in
        clusters.append(cluster)
        return clusters.count == 1
    }
    guard first else { return }
    atexit {
        for cluster in clustersToStop.withLock({ $0 }) {
            let command = "\(cluster.binaries)/pg_ctl -D \(cluster.data) -m immediate stop >/dev/null 2>&1"
            _ = system(cluster.asRoot ? "runuser -u postgres -- \(command)" : command)
            try? FileManager.default.removeItem(atPath: cluster.directory)
        }
    }
}
