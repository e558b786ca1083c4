import Contracts
import Foundation
import Messaging
import Translation

/// The gateway's `proxy.call` request, read once: on whose behalf (``Routing``), what it asked
/// (``ProxyCallHeaders``) and the payload's top-level fields.
struct CallRequest: Sendable {
    let routing: Routing
    let tenant: UUID
    /// The gateway's request id (a fresh one if it named none).
    let requestID: String
    /// The provider gets a child of the gateway's span (W3C `traceparent`).
    let trace: TraceContext
    let headers: ProxyCallHeaders
    let fields: JSONFields
    /// The gateway's release ticket, which the vault asks for (docs/vault.md).
    let ticket: String?

    init(_ request: NatsMessage) throws(ServiceError) {
        routing = try request.routing()
        tenant = try routing.requireTenant()
        requestID = routing.requestID.isEmpty ? UUID().uppercasedString : routing.requestID
        trace = (routing.trace ?? .root()).child()
        do {
            headers = try ProxyCallHeaders(headers: request.headers)
        } catch {
            throw error.serviceError
        }
        guard let fields = JSONFields(request.payload) else {
            throw ServiceError.badRequest("the payload must be a JSON object")
        }
        self.fields = fields
        ticket = request.headers[ReleaseTicket.header]
    }

    /// The model of a `/v1` call, which may be one of the tenant's routes (docs/routes.md).
    var routeName: String? { headers.api == .raw ? nil : fields.string("model") }
}

/// One attempt of a routed call: the route's name, and which attempt (from 1).
struct RouteAttempt: Sendable {
    let route: String
    let number: Int
}

/// One proxied call ready to send: on whose behalf, where it goes (``CallRoute``) and what goes
/// there (``CallPayload``). A routed call makes one for each target it tries. Reading it does
/// every check that needs no credential: a call refused here reached nothing and costs nothing.
struct ProxyCall: Sendable {
    let request: CallRequest
    let route: CallRoute
    let payload: CallPayload
    /// How the call is translated, when it is (docs/translation.md).
    let translation: CallTranslation?
    /// Which attempt of which route this is, when the call is routed.
    let attempt: RouteAttempt?
    /// The usage event's id: minted here, since a client may choose its request id.
    let eventID = UUID.v7().lowercasedString

    var routing: Routing { request.routing }
    var tenant: UUID { request.tenant }
    var requestID: String { request.requestID }
    var trace: TraceContext { request.trace }

    /// A request its translator cannot translate: the client's 400, in the client's API's own
    /// error shape (its SDK shows the message), before anything was sent.
    struct Untranslatable: Error {
        let head: UpstreamHead
        let body: [UInt8]

        init(_ error: TranslationError, client: any ClientDialect) {
            head = UpstreamHead(status: 400, passed: [.init(name: "content-type", value: "application/json")])
            body = client.encodeFailure(ProviderFailure(status: 400, message: error.description)).bytes
        }
    }

    /// The call as the client named it, or (`target`) one attempt of a route. Throws a
    /// ``ServiceError`` or ``Untranslatable``.
    init(_ request: CallRequest, target: Route.Target? = nil, attempt: RouteAttempt? = nil) throws {
        self.request = request
        self.attempt = attempt
        let fields = request.fields
        route = try CallRoute(request.headers, payload: fields, target: target)
        guard let translator = route.translator else {
            payload = CallPayload(fields, route: route, streamRequested: request.headers.stream)
            translation = nil
            return
        }
        do {
            let (chat, body, maxTokens) = try translator.request(maxTokensOf: fields.bytes, model: route.model)
            payload = CallPayload(translated: body, streaming: chat.stream, maxTokens: maxTokens)
            translation = CallTranslation(translator: translator, request: chat)
        } catch {
            throw Untranslatable(error, client: translator.client)
        }
    }
}

/// A translated call: its translator, and the client's request as the translator read it (which
/// the answer is written for).
struct CallTranslation: Sendable {
    let translator: Translator
    let request: ChatRequest

    func answer(status: Int, body: [UInt8]) -> (status: Int, body: [UInt8]) {
        translator.answer(status: status, body: body, for: request)
    }

    func stream(estimatedInputTokens: Int) -> StreamTranslator {
        translator.stream(for: request, estimatedInputTokens: estimatedInputTokens)
    }
}
