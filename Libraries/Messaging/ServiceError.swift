/// A typed error a service returns to its caller, carried in the NATS Services API headers
/// `Nats-Service-Error` (message) and `Nats-Service-Error-Code` (the ``Code``'s HTTP status).
///
/// Callers switch on ``code``; the gateway answers with ``Code/httpStatus``. The message is shown
/// to API clients, so it must never contain secrets or payloads; ``underlying`` keeps the cause
/// for the raising service's own logs and never travels.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Int, Sendable {
            case badRequest = 400
            case unauthorized = 401
            case forbidden = 403
            case notFound = 404
            case conflict = 409
            case tooLarge = 413
            case unprocessable = 422
            case rateLimited = 429
            case internalError = 500
            case badGateway = 502
            case unavailable = 503
            case timeout = 504
        }

        fileprivate let base: Base

        fileprivate init(base: Base) { self.base = base }

        /// The request is malformed.
        public static let badRequest = Code(base: .badRequest)
        public static let unauthorized = Code(base: .unauthorized)
        /// The caller may not do this.
        public static let forbidden = Code(base: .forbidden)
        public static let notFound = Code(base: .notFound)
        /// It clashes with what exists.
        public static let conflict = Code(base: .conflict)
        public static let tooLarge = Code(base: .tooLarge)
        /// Well-formed, but not acceptable (a schema, a setting that does not do).
        public static let unprocessable = Code(base: .unprocessable)
        /// Too many requests; ``ServiceError/retryAfter`` says when to try again.
        public static let rateLimited = Code(base: .rateLimited)
        /// The service failed; the message names nothing of why.
        public static let internalError = Code(base: .internalError)
        /// A system behind the service (an AI provider) failed or could not be reached.
        public static let badGateway = Code(base: .badGateway)
        /// The service or one it needs is unavailable for now.
        public static let unavailable = Code(base: .unavailable)
        /// A system behind the service did not answer in time.
        public static let timeout = Code(base: .timeout)

        /// The HTTP status the gateway answers with.
        public var httpStatus: Int { base.rawValue }

        /// The code an HTTP status on the wire names (an unknown one: the nearest of its class).
        init(httpStatus: Int) {
            base = Base(rawValue: httpStatus) ?? (httpStatus < 500 ? .badRequest : .internalError)
        }

        public var description: String { String(base.rawValue) }
    }

    public static let messageHeader = "Nats-Service-Error"
    public static let codeHeader = "Nats-Service-Error-Code"
    public static let retryAfterHeader = "Retry-After"
    public static let kindHeader = "Nats-Service-Error-Kind"

    public let code: Code
    public let message: String
    /// For a 429 or 503: seconds until trying again makes sense.
    public let retryAfter: Int?
    /// A finer name than the code's, for the problem's `type` (`budget-exceeded` for a 429).
    public let kind: String?
    /// What caused it, for the logs of the service that raised it; never sent.
    public let underlying: (any Error)?

    public init(
        _ code: Code, _ message: String, retryAfter: Int? = nil, kind: String? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.kind = kind
        self.underlying = underlying
    }

    /// The code and the message (what travels; never the underlying cause).
    public var description: String { "\(code) \(message)" }

    /// Equal code, message and retry time (the underlying cause stays with the raiser).
    public static func == (lhs: ServiceError, rhs: ServiceError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.retryAfter == rhs.retryAfter && lhs.kind == rhs.kind
    }

    /// The error carried by a reply, if it carries one.
    public init?(headers: MessageHeaders) {
        guard let codeText = headers[Self.codeHeader], let status = Int(codeText) else { return nil }
        self.init(
            Code(httpStatus: status), headers[Self.messageHeader] ?? "",
            retryAfter: headers[Self.retryAfterHeader].flatMap(Int.init), kind: headers[Self.kindHeader])
    }

    /// The headers that carry this error.
    public var headers: MessageHeaders {
        var headers: MessageHeaders = [Self.messageHeader: message, Self.codeHeader: String(code.httpStatus)]
        if let retryAfter { headers[Self.retryAfterHeader] = String(retryAfter) }
        if let kind { headers[Self.kindHeader] = kind }
        return headers
    }

    /// The same error with another message (the cause and retry time kept).
    public func with(message: String) -> ServiceError {
        ServiceError(code, message, retryAfter: retryAfter, kind: kind, underlying: underlying)
    }

    public static func badRequest(_ message: String) -> ServiceError { ServiceError(.badRequest, message) }
    public static func forbidden(_ message: String) -> ServiceError { ServiceError(.forbidden, message) }
    public static func notFound(_ message: String) -> ServiceError { ServiceError(.notFound, message) }
    public static func conflict(_ message: String) -> ServiceError { ServiceError(.conflict, message) }
    public static func unprocessable(_ message: String) -> ServiceError { ServiceError(.unprocessable, message) }
    public static func unavailable(_ message: String, underlying: (any Error)? = nil) -> ServiceError {
        ServiceError(.unavailable, message, underlying: underlying)
    }
    public static func rateLimited(_ message: String, retryAfter: Int?, kind: String? = nil) -> ServiceError {
        ServiceError(.rateLimited, message, retryAfter: retryAfter, kind: kind)
    }
    public static let internalError = ServiceError(.internalError, "internal error")
}
