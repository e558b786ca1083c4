/// A typed error a service returns to its caller, carried in the NATS Services API headers
/// `Nats-Service-Error` (message) and `Nats-Service-Error-Code` (an HTTP-style status).
///
/// The message is shown to API clients, so it must never contain secrets or payloads.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public static let messageHeader = "Nats-Service-Error"
    public static let codeHeader = "Nats-Service-Error-Code"
    public static let retryAfterHeader = "Retry-After"

    /// An HTTP status code: 400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504.
    public let code: Int
    public let message: String
    /// For a 429 or 503: seconds until trying again makes sense.
    public let retryAfter: Int?

    public init(code: Int, message: String, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code) \(message)" }

    /// The error carried by a reply, if it carries one.
    public init?(headers: MessageHeaders) {
        guard let codeText = headers[Self.codeHeader], let code = Int(codeText) else { return nil }
        self.init(
            code: code, message: headers[Self.messageHeader] ?? "",
            retryAfter: headers[Self.retryAfterHeader].flatMap(Int.init))
    }

    /// The headers that carry this error.
    public var headers: MessageHeaders {
        var headers: MessageHeaders = [Self.messageHeader: message, Self.codeHeader: String(code)]
        if let retryAfter { headers[Self.retryAfterHeader] = String(retryAfter) }
        return headers
    }

    public static func badRequest(_ message: String) -> ServiceError { ServiceError(code: 400, message: message) }
    public static func forbidden(_ message: String) -> ServiceError { ServiceError(code: 403, message: message) }
    public static func notFound(_ message: String) -> ServiceError { ServiceError(code: 404, message: message) }
    public static func conflict(_ message: String) -> ServiceError { ServiceError(code: 409, message: message) }
    public static func unprocessable(_ message: String) -> ServiceError { ServiceError(code: 422, message: message) }
    public static func unavailable(_ message: String) -> ServiceError { ServiceError(code: 503, message: message) }
    public static func rateLimited(_ message: String, retryAfter: Int) -> ServiceError {
        ServiceError(code: 429, message: message, retryAfter: retryAfter)
    }
    public static let internalError = ServiceError(code: 500, message: "internal error")
}
