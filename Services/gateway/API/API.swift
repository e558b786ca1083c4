import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Registers routes: each with its ``Operation`` (access rule and documentation), so the router,
/// the authorization check and the OpenAPI document cannot disagree.
final class API {
    typealias Handler = @Sendable (Request, GatewayRequestContext) async throws -> Response

    let router: Router<GatewayRequestContext>
    let requestGuard: RequestGuard
    private(set) var document = OpenAPIDocument()

    init(router: Router<GatewayRequestContext>, requestGuard: RequestGuard) {
        self.router = router
        self.requestGuard = requestGuard
    }

    /// The document, encoded once all routes are registered (read when `/openapi.json` is served).
    let encodedDocument = DocumentBox()

    /// Encodes the OpenAPI document; call after the last ``add(_:_:)``.
    func finish() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encodedDocument.set(Array(try encoder.encode(document.json)))
    }

    func add(_ operation: Operation, _ handler: @escaping Handler) {
        document.add(operation)
        let access = operation.access
        let requestGuard = requestGuard
        router.on(RouterPath(operation.path), method: operation.method) { request, context in
            var context = context
            context.principal = try await requestGuard.admit(request, context: context, access: access)
            if let tenant = context.principal?.tenant {
                context.logger[metadataKey: "tenant.id"] = .string(tenant.id.lowercasedString)
            }
            return try await handler(request, context)
        }
    }
}

extension Response {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A JSON response.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws
        -> Response
    {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// A service's JSON answer, passed on as it came.
    static func json(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func noContent() -> Response { Response(status: .noContent) }
}

extension GatewayRequestContext {
    /// The authenticated principal of a non-anonymous route.
    var caller: Principal {
        get throws {
            guard let principal else { throw Problem.unauthorized("credentials required") }
            return principal
        }
    }

    /// The caller's tenant; every tenant-scoped query uses it.
    var tenant: Principal.TenantRef {
        get throws {
            guard let tenant = try caller.tenant else { throw Problem.forbidden("this route needs a tenant") }
            return tenant
        }
    }
}

/// Holds the encoded document; written once at start-up, then only read.
final class DocumentBox: Sendable {
    private let storage = Mutex<[UInt8]>([])
    var bytes: [UInt8] { storage.withLock { $0 } }
    func set(_ bytes: [UInt8]) { storage.withLock { $0 = bytes } }
}
