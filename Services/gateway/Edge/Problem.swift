import Foundation
import Hummingbird
import Translation

/// An RFC 9457 problem: what every error response of the gateway is.
struct Problem: Error, Sendable {
    var status: HTTPResponse.Status
    var detail: String
    /// A short machine-readable kind (`validation`, `not-found`, ...), giving the `type` URI.
    var kind: String?
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ detail: String, kind: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.kind = kind
        self.headers = headers
    }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var requestId: String
        /// An extension member for the model APIs' clients: OpenAI's and Anthropic's SDKs show
        /// `error.message`.
        var error: ProviderError?
    }

    struct ProviderError: Encodable {
        var type: String
        var message: String
    }

    /// The answer to a request for `path`; on the model APIs (`/v1/*`) it carries ``Body/error``.
    func response(requestID: String, path: String = "") -> Response {
        let providerShaped = path.hasPrefix("/v1/")
        let type = AnthropicMessages.errorType(ProviderFailure.kind(of: status.code))
        let body = Body(
            type: kind.map { "https://strongbox.dev/problems/\($0)" } ?? "about:blank",
            title: Self.title(status), status: status.code, detail: detail, requestId: requestID,
            error: providerShaped ? ProviderError(type: type, message: detail) : nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data()
        var headers = headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Problem {
    /// The standard reason phrase (a status made from a bare code has none of its own).
    static func title(_ status: HTTPResponse.Status) -> String {
        if !status.reasonPhrase.isEmpty { return status.reasonPhrase }
        let known: [HTTPResponse.Status] = [
            .badRequest, .unauthorized, .forbidden, .notFound, .methodNotAllowed, .conflict, .gone, .contentTooLarge,
            .unsupportedMediaType, .unprocessableContent, .tooManyRequests, .internalServerError, .badGateway,
            .serviceUnavailable, .gatewayTimeout, .notImplemented, .preconditionFailed,
        ]
        return known.first { $0.code == status.code }?.reasonPhrase ?? "Error"
    }

    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, detail, kind: "bad-request") }
    static func notFound(_ detail: String = "no such resource") -> Problem {
        Problem(.notFound, detail, kind: "not-found")
    }
    static func unavailable(_ detail: String) -> Problem { Problem(.serviceUnavailable, detail, kind: "unavailable") }
}

extension Problem {
    static func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, detail, kind: "unauthorized", headers: [.wwwAuthenticate: "Bearer"])
    }

    static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, detail, kind: "forbidden") }
    static func conflict(_ detail: String) -> Problem { Problem(.conflict, detail, kind: "conflict") }
    static func unprocessable(_ detail: String) -> Problem {
        Problem(.unprocessableContent, detail, kind: "unprocessable")
    }
}
