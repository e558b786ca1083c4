import Foundation
import Logging
import Messaging

/// A real `nats-server -js` on a free loopback port, for one test.
public final class NatsServer: Sendable {
    public let port: Int
    public let directory: URL
    private let process: ChildProcess

    public var url: String { "nats://127.0.0.1:\(port)" }

    /// Starts a server with JetStream; `configuration` (nats-server config text) adds users and
    /// permissions, `files` are written beside it (for `include`), `environment` resolves the
    /// config's `$VARIABLES`. Listen address, port and storage are set here.
    public static func start(
        configuration: String? = nil, files: [String: String] = [:], environment: [String: String] = [:]
    ) async throws -> NatsServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "strongbox-nats-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, contents) in files {
            try contents.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        var options: [String] = []
        if let configuration {
            let file = directory.appendingPathComponent("nats.conf")
            try configuration.write(to: file, atomically: true, encoding: .utf8)
            options = ["-c", file.path]
        }
        // The server picks its own free port (-p -1) and writes it to a ports file: no race with
        // other tests for a port, and no mistaking another test's server for this one.
        let portsDirectory = directory.appendingPathComponent("ports")
        try FileManager.default.createDirectory(at: portsDirectory, withIntermediateDirectories: true)
        let arguments =
            [
                "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", portsDirectory.path, "-js", "-sd",
                directory.appendingPathComponent("js").path,
            ] + options
        let process = try ChildProcess(
            try Executables.find("nats-server"), arguments, environment: environment, logName: "nats")
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline {
            if let port = Self.readPort(portsDirectory), Loopback.isListening(port) {
                return NatsServer(port: port, directory: directory, process: process, options: options)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let log = process.output
        await process.kill()
        throw TestInfrastructureError("nats-server did not start: \(log)")
    }

    /// Starts `nodes` servers as one NATS cluster (routes between them, clustered JetStream), each
    /// with `configuration` and `files` like ``start(configuration:files:environment:)``; returns once
    /// JetStream can place a stream on all of them (`probe` connects a client that may create streams).
    public static func cluster(
        nodes: Int, configuration: String = "", files: [String: String] = [:], environment: [String: String] = [:],
        probe: @Sendable ([NatsServer]) async throws -> NatsConnection
    ) async throws -> [NatsServer] {
        let servers = try await startNodes(nodes, configuration: configuration, files: files, environment: environment)
        // A clustered JetStream answers once its nodes have elected a meta leader.
        let connection = try await probe(servers)
        let deadline = ContinuousClock.now + .seconds(60)
        let stream = StreamConfig(name: "CLUSTER_PROBE", subjects: ["cluster.probe"], replicas: nodes)
        while true {
            do {
                _ = try await connection.jetStream.ensureStream(stream)
                try await connection.jetStream.deleteStream(stream.name)
                break
            } catch  where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        await connection.close()
        return servers
    }

    /// The cluster's servers, on route ports picked free beforehand. A port can be taken between
    /// the pick and the server's bind (by any process's outgoing connection): then the cluster is
    /// started again on other ports, up to three times.
    private static func startNodes(
        _ nodes: Int, configuration: String, files: [String: String], environment: [String: String]
    ) async throws -> [NatsServer] {
        var attempt = 1
        while true {
            let name = "strongbox-\(UUID().uuidString.prefix(8))"
            let routePorts = (0..<nodes).map { _ in Loopback.freePort() }
            do {
                return try await withThrowingTaskGroup(of: (Int, NatsServer).self) { group in
                    for node in 0..<nodes {
                        let routes = routePorts.enumerated().filter { $0.offset != node }
                            .map { "nats-route://127.0.0.1:\($0.element)" }
                        let clustered = """
                            server_name: \(name)-\(node)
                            cluster {
                              name: \(name)
                              listen: 127.0.0.1:\(routePorts[node])
                              routes: [\(routes.joined(separator: ", "))]
                            }
                            \(configuration)
                            """
                        group.addTask {
                            (node, try await start(configuration: clustered, files: files, environment: environment))
                        }
                    }
                    var servers: [Int: NatsServer] = [:]
                    for try await (node, server) in group { servers[node] = server }
                    return (0..<nodes).map { servers[$0]! }
                }
            } catch let error as TestInfrastructureError
                where attempt < 3 && error.description.contains("address already in use")
            {
                attempt += 1
            }
        }
    }

    private static func readPort(_ directory: URL) -> Int? {
        guard
            let file = try? FileManager.default.contentsOfDirectory(atPath: directory.path).first(where: {
                $0.hasSuffix(".ports")
            }),
            let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String]],
            let url = object["nats"]?.first, let port = url.split(separator: ":").last.flatMap({ Int($0) })
        else { return nil }
        return port
    }

    private let options: [String]

    private init(port: Int, directory: URL, process: ChildProcess, options: [String]) {
        self.port = port
        self.directory = directory
        self.process = process
        self.options = options
    }

    /// Stops the server (SIGTERM, or SIGKILL when `abruptly`).
    public func stop(abruptly: Bool = false) async {
        await process.stop(signal: abruptly ? SIGKILL : SIGTERM)
    }

    /// Starts it again on the same port with the same storage.
    public func restart() async throws {
        try process.restart(
            arguments: [
                "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", directory.appendingPathComponent("js").path,
            ]
                + options)
        try await Loopback.waitUntilListening(port, what: "nats-server")
    }

    public var log: String { process.output }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Connects a client to this server.
    public func connect(name: String = "test", user: String? = nil, password: String? = nil) async throws
        -> NatsConnection
    {
        let connection = try await NatsConnection.connect(
            NatsConfiguration(servers: [url], user: user, password: password, name: name),
            logger: .init(label: "test.nats"))
        try await connection.flush()
        return connection
    }
}

/// Finds programs the tests need.
public enum Executables {
    public static func find(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/usr/local/bin"]
        for directory in directories {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestInfrastructureError("\(name) is not installed (run `make install`)")
    }

    /// A product of this package (`gateway`, `vault`, ...), built next to the test bundle.
    public static func product(_ name: String) throws -> String {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // `swift test` runs `<build>/debug/<package>PackageTests.xctest`; the products sit beside it.
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw TestInfrastructureError("\(name) is not built next to \(testBinary.path) (run `swift build` first)")
    }
}
