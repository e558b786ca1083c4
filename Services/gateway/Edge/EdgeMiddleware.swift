import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What every request gets at the edge: the body limit (a 413, and the connection closed after
/// it), CORS for the configured origins (preflights answered here; `x-api-key` and
/// `Authorization` allowed), and a 400 for a URL carrying a NUL character (no service could
/// store or compare it).
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let bodyLimit: Int
    /// Allowed origins; `*` allows any.
    let corsOrigins: [String]
    /// How many proxies in front of the gateway append to `X-Forwarded-For` (0: none; the TCP
    /// peer is the client).
    var trustedProxyHops = 0

    private static let forwardedFor = HTTPField.Name("x-forwarded-for")!
    private static let allowedHeaders = "authorization, content-type, x-api-key, x-request-id"
    private static let exposedHeaders = "x-request-id, retry-after"
    private static let methods = "GET, POST, PATCH, PUT, DELETE, OPTIONS"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.bodyLimit = bodyLimit
        if trustedProxyHops > 0,
            let address = Self.forwardedClient(request.headers[values: Self.forwardedFor], hops: trustedProxyHops)
        {
            context.clientAddress = address
        }
        let origin = request.headers.value(.origin).flatMap { allows($0) ? $0 : nil }
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
        var response: Response
        if Self.containsEncodedNUL(request.uri.description) {
            response = Problem.badRequest("the URL contains a NUL character (%00)").response(
                requestID: context.requestID)
        } else if let length = request.headers.value(.contentLength).flatMap(Int.init), length > bodyLimit {
            // Refused before a byte of the body is read (a chunked body is refused when it passes the limit).
            response = Problem(.contentTooLarge, "the body is larger than \(bodyLimit) bytes", kind: "too-large")
                .response(requestID: context.requestID, path: request.uri.path)
        } else {
            response = try await next(request, context)
        }
        if response.status == .contentTooLarge { Self.closeAfterward(&response, channel: context.channel) }
        if let origin { decorate(&response, origin: origin) }
        return response
    }

    /// After a 413 the rest of the body is not waited for: the answer says `Connection: close`, the
    /// connection's output is closed once it is written (the client reads the 413, then EOF), and
    /// the whole connection a second later (what the client still sends meanwhile is discarded, so
    /// a client that reads only after sending gets its answer; nginx's lingering close).
    static func closeAfterward(_ response: inout Response, channel: any Channel) {
        response.headers[.connection] = "close"
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(writer)
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
    }

    /// Whether a URL holds `%00` (a byte scan: it runs on every request).
    static func containsEncodedNUL(_ url: String) -> Bool {
        let bytes = url.utf8
        var index = bytes.startIndex
        while let percent = bytes[index...].firstIndex(of: UInt8(ascii: "%")) {
            let rest = bytes[bytes.index(after: percent)...]
            if rest.starts(with: "00".utf8) { return true }
            index = bytes.index(after: percent)
        }
        return false
    }

    /// The address the outermost trusted proxy saw: with `hops` proxies each appending the peer it
    /// saw, the `hops`-th entry from the end of `X-Forwarded-For` (entries before it are the
    /// client's to write, so they are not trusted). Nil when the header is missing or short.
    static func forwardedClient(_ values: [String], hops: Int) -> String? {
        let entries = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard entries.count >= hops else { return nil }
        let address = entries[entries.count - hops]
        guard (1...45).contains(address.utf8.count),
            address.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x3a) || ($0 >= 0x41 && $0 <= 0x46) || ($0 >= 0x61 && $0 <= 0x66) || $0 == 0x2e
            })
        else { return nil }
        return address
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
