import Contracts
import Foundation
import Hummingbird
import Logging
import Messaging

/// Turns every error into a problem+json response. Unknown errors become a 500 that names only
/// the request id; the error itself is logged, never sent. On the model APIs (`/v1/*`) the problem
/// also carries the providers' `error: {type, message}`, where the official SDKs read the message.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            return Self.problem(for: error, context: context).response(
                requestID: context.requestID, path: request.uri.path)
        }
    }

    static func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as HTTPError:
            return Problem(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        case let error as ServiceError:
            if error.code == .internalError {
                context.logger.error("a service failed", metadata: ["error": "\(error)"])
                return Problem(.internalServerError, "internal error (request \(context.requestID))")
            }
            return Problem(
                HTTPResponse.Status(code: error.code.httpStatus), error.message,
                kind: error.kind ?? kind(of: error.code),
                headers: error.retryAfter.map { [.retryAfter: String($0)] } ?? [:])
        case let error as NatsError where error.code == .timeout:
            return Problem(.gatewayTimeout, "a backing service did not answer in time", kind: "timeout")
        case let error as NatsError:
            context.logger.warning("messaging failed", metadata: ["error": "\(error)"])
            return .unavailable("a backing service is unavailable")
        case let error as DecodingError:
            return .badRequest(error.fieldDescription)
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

    /// The problem kind (the end of its `type` URI) of a service's error: the same names the
    /// gateway's own problems use.
    static func kind(of code: ServiceError.Code) -> String {
        switch code {
        case .badRequest: "bad-request"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .notFound: "not-found"
        case .conflict: "conflict"
        case .tooLarge: "too-large"
        case .unprocessable: "unprocessable"
        case .rateLimited: "rate-limited"
        case .badGateway: "bad-gateway"
        case .unavailable: "unavailable"
        case .timeout: "timeout"
        default: "internal"
        }
    }
}
