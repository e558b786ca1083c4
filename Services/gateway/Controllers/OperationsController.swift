import Foundation
import Hummingbird
import ServiceKit

/// `GET /healthz`, `GET /readyz`, `GET /metrics`: for orchestrators and scrapers, no authentication.
struct OperationsController: Sendable {
    let readiness: Readiness

    func register(on router: Router<GatewayRequestContext>) {
        router.get("healthz", use: health)
        router.get("readyz", use: ready)
        router.get("metrics", use: metrics)
    }

    @Sendable func health(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        json(.ok, ["status": "ok"])
    }

    @Sendable func ready(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let report = await readiness.check()
        return json(report.isReady ? .ok : .serviceUnavailable, report)
    }

    @Sendable func metrics(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: Metrics.exposition())))
    }

    private func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
