import Logging
import Messaging
import ServiceLifecycle
import UnixSignals

/// The echo service the benchmark calls, run in its own process like a real service.
enum Responder {
    static let subject = "bench.echo"

    static func run(url: String, logger: Logger) async throws {
        let connection = try await NatsConnection.connect(
            NatsConfiguration(servers: [url], name: "bench-responder"), logger: logger)
        let service = MicroService(
            connection: connection,
            identity: .init(name: "bench", version: "1.0.0", description: "echo for the messaging benchmark"),
            endpoints: [.request("echo", subject: subject, queueGroup: "bench") { Reply(payload: $0.payload) }],
            logger: logger)
        let group = ServiceGroup(
            services: [NatsConnectionService(connection: connection), service],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
