import Contracts
import Foundation
import Hummingbird
import Logging
import Messaging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// The operations endpoints every service serves on `OPS_HOST:OPS_PORT` (off while `OPS_PORT` is
/// 0, the default for local runs): `GET /metrics` (Prometheus text), `GET /healthz` (the
/// process is up) and `GET /readyz` (NATS connected and the database answering; 503 otherwise),
/// for Kubernetes probes and Prometheus scrapes. It also keeps the NATS and database gauges
/// current.
struct OpsServer: Service {
    let host: String
    let port: Int
    let service: ServiceName
    let nats: NatsConnection
    let database: PostgresClient
    let logger: Logger

    func run() async throws {
        let router = Router()
        router.get("/healthz") { _, _ in Response.text("{\"status\":\"ok\"}", contentType: "application/json") }
        router.get("/readyz") { _, _ in
            let problem = await readinessProblem()
            return Response.text(
                problem.map { "{\"status\":\"not ready\",\"reason\":\"\($0)\"}" } ?? "{\"status\":\"ready\"}",
                status: problem == nil ? .ok : .serviceUnavailable, contentType: "application/json")
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: Metrics.exposition())))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "strongbox-ops"),
            onServerRunning: { channel in
                logger.info(
                    "operations endpoints listening", metadata: ["port": "\(channel.localAddress?.port ?? port)"])
            }, logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await app.run() }
            group.addTask { try await sampleGauges() }
        }
    }

    /// Nil when ready; else what is not.
    private func readinessProblem() async -> String? {
        guard nats.isConnected else { return "NATS is not connected" }
        do {
            try await database.ping(logger: logger)
            return nil
        } catch {
            return "the database does not answer"
        }
    }

    /// Every 5 seconds: NATS connection state and traffic, and the database's round trip.
    private func sampleGauges() async throws {
        let labels = [("service", service.rawValue)]
        let connected = Gauge(label: "strongbox_nats_connected", dimensions: labels)
        let reconnects = Gauge(label: "strongbox_nats_reconnects", dimensions: labels)
        let messagesIn = Gauge(label: "strongbox_nats_messages_in", dimensions: labels)
        let messagesOut = Gauge(label: "strongbox_nats_messages_out", dimensions: labels)
        let bytesIn = Gauge(label: "strongbox_nats_bytes_in", dimensions: labels)
        let bytesOut = Gauge(label: "strongbox_nats_bytes_out", dimensions: labels)
        let databaseUp = Gauge(label: "strongbox_db_up", dimensions: labels)
        let databasePing = Gauge(label: "strongbox_db_ping_seconds", dimensions: labels)
        while !Task.isCancelled {
            connected.record(nats.isConnected ? 1 : 0)
            reconnects.record(nats.reconnects)
            let statistics = nats.statistics
            messagesIn.record(Double(statistics.messagesIn))
            messagesOut.record(Double(statistics.messagesOut))
            bytesIn.record(Double(statistics.bytesIn))
            bytesOut.record(Double(statistics.bytesOut))
            do {
                let elapsed = try await database.ping(logger: logger)
                databaseUp.record(1)
                databasePing.record(elapsed.seconds)
            } catch {
                databaseUp.record(0)
            }
            try await Task.sleep(for: .seconds(5))
        }
    }
}

extension Response {
    fileprivate static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String) -> Response {
        Response(
            status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
