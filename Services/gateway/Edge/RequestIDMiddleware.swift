import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id and every response an `x-request-id` header: the client's own
/// id when it has 1–128 characters from `[A-Za-z0-9._:-]`, otherwise a new one. Continues the
/// client's W3C `traceparent` (or starts a trace); the trace id goes into the request's logs.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    static let header = HTTPField.Name("x-request-id")!
    static let traceParent = HTTPField.Name("traceparent")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let id = request.headers.value(Self.header).flatMap { Self.isValid($0) ? $0 : nil } ?? Self.makeID()
        context.requestID = id
        if let incoming = request.headers.value(Self.traceParent).flatMap(TraceContext.init(header:)) {
            context.trace = incoming.child()
        }
        // Both keys in one change of the logger (each change copies its storage and metadata).
        var metadata = context.logger.handler.metadata
        metadata.reserveCapacity(metadata.count + 2)
        metadata["request.id"] = .string(id)
        metadata["trace.id"] = .string(context.trace.traceID)
        context.logger.handler.metadata = metadata
        var response = try await next(request, context)
        response.headers[Self.header] = id
        return response
    }

    static func isValid(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
                    UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    /// A version 7 UUID: ordered by time, and no system call (Foundation's `UUID()` opens, reads
    /// and closes /dev/urandom each time).
    static func makeID() -> String {
        UUID.v7().lowercasedString
    }
}
