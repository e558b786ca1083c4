import Foundation
import Hummingbird
import ServiceKit

/// `GET /healthz`, `GET /readyz`, `GET /metrics`: for orchestrators and scrapers, no authentication.
struct OperationsController: Sendable {
    let readiness: Readiness

    func register(on api: API) {
        api.add(
            Operation(
                method: .get, path: "/healthz", tag: "Operations", summary: "The gateway process is up",
                access: .infrastructure, success: .init(status: 200, description: "Up", schema: .ref("Health"))), health
        )
        api.add(
            Operation(
                method: .get, path: "/readyz", tag: "Operations",
                summary: "NATS connected, database reachable and every service answering",
                access: .infrastructure,
                success: .init(status: 200, description: "Ready", schema: .ref("Readiness")),
                errors: [503: "Not ready; the body says what is missing"], errorBodies: [503: .ref("Readiness")]), ready
        )
        api.add(
            Operation(
                method: .get, path: "/metrics", tag: "Operations", summary: "Prometheus metrics",
                access: .infrastructure,
                success: .init(
                    status: 200, description: "Prometheus text format", schema: .string(), contentType: "text/plain")),
            metrics)
    }

    @Sendable func health(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try .json(["status": "ok"])
    }

    @Sendable func ready(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let report = await readiness.check()
        return try .json(report, status: report.isReady ? .ok : .serviceUnavailable)
    }

    @Sendable func metrics(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: Metrics.exposition())))
    }
}
