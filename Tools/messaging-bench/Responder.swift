import Logging
import Messaging
import ServiceLifecycle
import UnixSignals

/// The echo service the benchmark calls, run in its own process like a real service.
enum Responder {
    static let subject = "bench.echo"

    /// Serves `bench.echo`; with `delay` each reply waits that long (tests use it to keep requests in flight).
    static func run(url: String, delay: Duration?, logger: Logger) async throws {
        let connection = try await NatsConnection.connect(
            NatsConfiguration(servers: [url], name: "bench-responder"), logger: logger)
        let service = MicroService(
            connection: connection,
            identity: .init(name: "bench", version: "1.0.0", description: "echo for the messaging benchmark"),
            endpoints: [
                .request("echo", subject: subject, queueGroup: "bench") { request in
                    if let delay { try await Task.sleep(for: delay) }
                    return Reply(payload: request.payload)
                }
            ],
            logger: logger)
        let group = ServiceGroup(
            services: [NatsConnectionService(connection: connection), service],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
