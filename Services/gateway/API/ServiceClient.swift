import Contracts
import Foundation
import Hummingbird
import Messaging

/// Calls a backing service over NATS on behalf of the authenticated principal: the tenant,
/// principal and request id travel in headers; the services never authenticate again.
struct ServiceClient: Sendable {
    let nats: NatsConnection
    var timeout: Duration = .seconds(10)

    /// A request on behalf of the route's caller; `headers` go along with its routing (a
    /// service's own, e.g. ``ContentRequestHeaders``).
    func call(
        _ subject: String, payload: some ContiguousBytes = [UInt8](), context: GatewayRequestContext,
        resourceID: UUID? = nil, headers: MessageHeaders = [:]
    ) async throws -> NatsMessage {
        var routing = context.routing
        routing.resourceID = resourceID
        return try await call(subject, payload: payload, routing: routing, headers: headers)
    }

    /// The one way every request to a service goes: its routing, and the service's own headers.
    func call(
        _ subject: String, payload: some ContiguousBytes = [UInt8](), routing: Routing, headers extra: MessageHeaders
    ) async throws -> NatsMessage {
        var headers = routing.headers
        headers.add(contentsOf: extra)
        return try await nats.request(subject, payload: payload, headers: headers, timeout: timeout)
    }

    /// Calls and decodes a JSON reply.
    func call<Reply: Decodable>(
        _ subject: String, payload: some ContiguousBytes = [UInt8](), context: GatewayRequestContext,
        resourceID: UUID? = nil, as type: Reply.Type
    ) async throws -> Reply {
        let reply = try await call(subject, payload: payload, context: context, resourceID: resourceID)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Reply.self, from: Data(reply.payload))
    }
}

extension Request {
    /// The body (413 past the limit) of a request whose data is stored: 400 when a JSON string in
    /// it holds the NUL character, which PostgreSQL keeps in neither text nor jsonb.
    func bodyBytes(context: GatewayRequestContext) async throws -> [UInt8] {
        let bytes = try await rawBodyBytes(context: context)
        if JSONText.containsNUL(bytes) {
            throw Problem.badRequest("text in the body must not contain the NUL character (\\u0000)")
        }
        return bytes
    }

    /// The body as it came (413 past the limit), for the proxy routes: it goes to the provider.
    /// Every route reads its body through here, so this is where a body that is not JSON gets 415.
    func rawBodyBytes(context: GatewayRequestContext) async throws -> [UInt8] {
        if hasBody, !JSONText.isJSONMediaType(headers.value(.contentType)) {
            let given = headers[.contentType].map { "`\($0.prefix(100))`" } ?? "none"
            throw Problem(
                .unsupportedMediaType, "send the body as application/json (Content-Type: \(given))",
                kind: "unsupported-media-type")
        }
        var request = self
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        return Array(buffer.readableBytesView)
    }

    /// Whether the request comes with a body (a length above 0, or a chunked one).
    var hasBody: Bool {
        if let length = headers.value(.contentLength).flatMap(Int.init) { return length > 0 }
        return headers.value(.transferEncoding) != nil
    }
}

enum JSONText {
    /// `application/json` or any `+json` type, with parameters (`charset=utf-8`) or without, in
    /// any case. Read byte by byte: it runs on every request with a body.
    static func isJSONMediaType(_ value: String?) -> Bool {
        guard let value else { return false }
        var type = value.utf8.prefix { $0 != UInt8(ascii: ";") }
        while type.last == UInt8(ascii: " ") || type.last == UInt8(ascii: "\t") { type = type.dropLast() }
        while type.first == UInt8(ascii: " ") || type.first == UInt8(ascii: "\t") { type = type.dropFirst() }
        func lowercased(_ bytes: some Collection<UInt8>) -> [UInt8] {
            bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
        }
        let lower = lowercased(type)
        let application = Array("application/".utf8)
        guard lower.starts(with: application) else { return false }
        let subtype = lower.dropFirst(application.count)
        return subtype.elementsEqual("json".utf8)
            || (subtype.count > 5 && subtype.suffix(5).elementsEqual("+json".utf8))
    }

    /// True when a JSON text holds the NUL character: a `\u0000` escape (not an escaped
    /// backslash followed by `u0000`), or a raw 0 byte.
    static func containsNUL(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case 0:
                return true
            case UInt8(ascii: "\\"):
                if index + 5 < bytes.count, bytes[index + 1] == UInt8(ascii: "u"),
                    bytes[(index + 2)...(index + 5)].allSatisfy({ $0 == UInt8(ascii: "0") })
                {
                    return true
                }
                index += 2  // the escape's first two characters; `\uXXXX` digits are no backslashes
            default:
                index += 1
            }
        }
        return false
    }
}

/// A CSV download streamed page by page over NATS: each page is asked for when the client has
/// taken the previous one (a slow client slows the export down instead of filling memory), the
/// next page's cursor in the reply's ``PageCursor/header``.
func csvExport(
    filename: String, first: NatsMessage, next: @escaping @Sendable (String) async throws -> NatsMessage
) -> Response {
    Response(
        status: .ok,
        headers: [
            .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\"",
        ],
        body: ResponseBody { writer in
            var page = first
            while true {
                try await writer.write(ByteBuffer(bytes: page.payload))
                guard let cursor = page.headers[PageCursor.header] else { break }
                page = try await next(cursor)
            }
            try await writer.finish(nil)
        })
}
