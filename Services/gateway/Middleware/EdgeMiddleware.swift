import Foundation
import HTTPTypes
import Hummingbird

/// What every request gets at the edge: the body limit, CORS for the configured origins
/// (preflights answered here; `x-api-key` and `Authorization` allowed), and a 400 for a URL
/// carrying a NUL character (no service could store or compare it).
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let bodyLimit: Int
    /// Allowed origins; `*` allows any.
    let corsOrigins: [String]

    private static let allowedHeaders = "authorization, content-type, x-api-key, x-request-id"
    private static let exposedHeaders = "x-request-id, retry-after"
    private static let methods = "GET, POST, PATCH, PUT, DELETE, OPTIONS"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.bodyLimit = bodyLimit
        let origin = request.headers[.origin].flatMap { allows($0) ? $0 : nil }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var response = Response(status: .noContent)
            if let origin {
                response.headers[.accessControlAllowMethods] = Self.methods
                response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
                response.headers[.accessControlMaxAge] = "600"
                decorate(&response, origin: origin)
            }
            return response
        }
        if request.uri.description.range(of: "%00", options: .caseInsensitive) != nil {
            var response = Problem.badRequest("the URL contains a NUL character (%00)").response(
                requestID: context.requestID)
            if let origin { decorate(&response, origin: origin) }
            return response
        }
        var response = try await next(request, context)
        if let origin { decorate(&response, origin: origin) }
        return response
    }

    private func allows(_ origin: String) -> Bool {
        corsOrigins.contains("*") || corsOrigins.contains(origin)
    }

    private func decorate(_ response: inout Response, origin: String) {
        response.headers[.accessControlAllowOrigin] = corsOrigins.contains("*") ? "*" : origin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        if !corsOrigins.contains("*") { response.headers[.vary] = "Origin" }
    }
}
