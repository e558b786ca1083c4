import Foundation
import Hummingbird
import Logging
import Messaging

/// Turns every error into a problem+json response. Unknown errors become a 500 that names only
/// the request id; the error itself is logged, never sent.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            return Self.problem(for: error, context: context).response(requestID: context.requestID)
        }
    }

    static func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as HTTPError:
            return Problem(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        case let error as ServiceError:
            let status = HTTPResponse.Status(code: error.code)
            if status.kind == .serverError && error.code == 500 {
                context.logger.error("a service failed", metadata: ["error": "\(error)"])
                return Problem(.internalServerError, "internal error (request \(context.requestID))")
            }
            return Problem(status, error.message)
        case let error as NatsError where error.code == .timeout:
            return Problem(.gatewayTimeout, "a backing service did not answer in time", kind: "timeout")
        case let error as NatsError:
            context.logger.warning("messaging failed", metadata: ["error": "\(error)"])
            return .unavailable("a backing service is unavailable")
        case let error as DecodingError:
            return .badRequest(describe(error))
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            return Problem(
                .contentTooLarge, "the body is larger than \(context.maxUploadSize) bytes", kind: "too-large")
        case let error as any HTTPResponseError where error.status.kind == .clientError:
            return Problem(error.status, error.status.reasonPhrase)
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return Problem(.internalServerError, "internal error (request \(context.requestID))")
        }
    }

    /// Names the offending field of a malformed JSON body.
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let joined = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return joined.hasPrefix(".") ? String(joined.dropFirst()) : joined
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field `\(path(context.codingPath + [key]))`"
        case .typeMismatch(let type, let context):
            return "field `\(path(context.codingPath))` must be \(describe(type))"
        case .valueNotFound(let type, let context):
            return "field `\(path(context.codingPath))` must be \(describe(type)), not null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "the body is not valid JSON" : "field `\(path(context.codingPath))`: \(context.debugDescription)"
        @unknown default:
            return "the body could not be read"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
