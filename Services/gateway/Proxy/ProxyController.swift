import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Messaging
import Synchronization

/// The AI proxy routes (module `ai_proxy`; admin and proxy keys, and users): `/proxy/{service}`
/// with the `{payload, path?}` envelope, and the OpenAI- and Anthropic-compatible `/v1/*`. The
/// body goes to the proxy as the bytes received; the provider's answer comes back as it arrives.
struct ProxyController: Sendable {
    let nats: NatsConnection
    let vault: ServiceClient
    /// The longest wait for the provider's first byte (non-streamed answers come whole).
    let timeout: Duration
    /// Sign each call's release ticket (docs/vault.md).
    let tickets: ReleaseTicketKeys
    /// Whether the proxies answering send heartbeats, so that a call whose proxy went silent fails
    /// in seconds rather than at `timeout`.
    let heartbeats = HeartbeatTrust()

    struct Envelope {
        static let fields: Set<String> = ["payload", "path", "credential"]
    }

    func register(on api: API) {
        let access = Access.tenant(module: .aiProxy, users: .user, proxyRoute: true)
        let tag = "AI proxy"
        let envelope = Schema.object(
            [
                ("payload", .object([], additional: true, description: "The provider's request body, sent unchanged")),
                ("path", .string(description: "The provider endpoint; default its chat endpoint")),
                (
                    "credential",
                    .string(description: "Which of the service's credentials (by name); default \"default\"")
                ),
            ], required: ["payload"])
        let upstream: [Int: String] = [
            400: "No credential stored for the service, or a malformed payload",
            404: "Unknown service", 422: "The credential's baseUrl is not allowed",
            502: "The provider could not be reached", 503: "The proxy or the vault is unavailable",
            504: "The provider did not answer in time",
        ]
        api.add(
            Operation(
                method: .post, path: "/proxy/{service}", tag: tag,
                summary: "Call a provider; its status and body come back unchanged",
                access: access, body: envelope,
                success: .init(
                    status: 200, description: "The provider's answer (any status it gives)", schema: .anyObject),
                errors: upstream)
        ) { request, context in
            try await raw(request, context: context, stream: false)
        }
        api.add(
            Operation(
                method: .post, path: "/proxy/{service}/stream", tag: tag,
                summary: "Call a provider with stream: true; its server-sent events come back as they arrive",
                access: access, body: envelope,
                success: .init(
                    status: 200, description: "text/event-stream", schema: .string(), contentType: "text/event-stream"),
                errors: upstream)
        ) { request, context in
            try await raw(request, context: context, stream: true)
        }
        let openAIBody = Schema.object(
            [
                (
                    "model",
                    .string(
                        description:
                            "`service/model`, e.g. groq/llama-3.1-8b-instant; a route's name (docs/routes.md); a bare model goes to openai"
                    )
                )
            ],
            required: ["model"], additional: true)
        for (path, summary) in [
            ("/v1/chat/completions", "OpenAI-compatible chat completions (streaming with stream: true)"),
            ("/v1/embeddings", "OpenAI-compatible embeddings"),
            (
                "/v1/responses",
                "OpenAI Responses API (streaming with stream: true): passed to openai and azure-openai, translated for other services"
            ),
        ] {
            api.add(
                Operation(
                    method: .post, path: path, tag: tag, summary: summary, access: access, body: openAIBody,
                    success: .init(status: 200, description: "The provider's answer", schema: .anyObject),
                    errors: upstream)
            ) { request, context in
                try await relay(
                    context: context,
                    await call(
                        try await request.rawBodyBytes(context: context), context: context,
                        headers: ProxyCallHeaders(api: .openAI, path: path)))
            }
        }
        api.add(
            Operation(
                method: .post, path: "/v1/messages", tag: tag,
                summary: "Anthropic-compatible messages (streaming with stream: true)", access: access,
                body: .object([("model", .string())], required: ["model"], additional: true),
                success: .init(status: 200, description: "Anthropic's answer", schema: .anyObject), errors: upstream)
        ) { request, context in
            var headers = ProxyCallHeaders(api: .anthropic, path: "/v1/messages")
            for name in ProxyCallHeaders.passedClientHeaders {
                if let field = HTTPField.Name(name), let value = request.headers[field] {
                    headers.clientHeaders[name] = value
                }
            }
            return try await relay(
                context: context,
                await call(try await request.rawBodyBytes(context: context), context: context, headers: headers))
        }
        api.add(
            Operation(
                method: .get, path: "/v1/models", tag: tag,
                summary: "The service/model ids the tenant's credentials reach, and the tenant's route names",
                access: access, success: .init(status: 200, description: "OpenAI's list format", schema: .anyObject))
        ) { _, context in
            let page = CredentialListRequest(limit: 200, after: nil, service: nil)
            let credentials = try await vault.call(
                VaultSubjects.list, payload: try JSONEncoder().encode(page), context: context, as: CredentialPage.self)
            let ask = ModelsRequest(services: credentials.items.map(\.service))
            let reply = try await ServiceClient(nats: nats, timeout: .seconds(30)).call(
                ProxySubjects.models, payload: try JSONEncoder().encode(ask), context: context,
                headers: [ReleaseTicket.header: try ticket(context, service: nil, credential: nil)])
            return .json(bytes: reply.payload)
        }
    }

    /// `/proxy/{service}[/stream]`: unwraps `{payload, path?, credential?}` without re-encoding the
    /// payload. What goes to the proxy in headers is checked here (a line break in a header would
    /// break the NATS message).
    private func raw(_ request: Request, context: GatewayRequestContext, stream: Bool) async throws -> Response {
        guard let name = context.parameters.get("service") else { throw Problem.notFound() }
        guard let service = ProviderID(service: name) else {
            throw Problem.notFound("unknown service \(name.prefix(64))")
        }
        let body = try await request.rawBodyBytes(context: context)
        guard let envelope = JSONFields(body) else { throw Problem.badRequest("the body must be a JSON object") }
        if let unknown = envelope.fields.map(\.key).first(where: { !Envelope.fields.contains($0) }) {
            throw Problem.badRequest("unknown field `\(unknown)`")
        }
        guard let payload = envelope.field("payload"), body[payload.value.lowerBound] == UInt8(ascii: "{") else {
            throw Problem.badRequest(
                envelope.field("payload") == nil ? "missing field `payload`" : "`payload` must be an object")
        }
        var headers = ProxyCallHeaders(api: .raw, service: service, stream: stream)
        if envelope.field("path") != nil {
            guard let path = envelope.string("path") else { throw Problem.badRequest("`path` must be a string") }
            if let problem = URLPathRules.providerPathProblem(path) { throw Problem.badRequest("`path` \(problem)") }
            headers.path = path
        }
        if envelope.field("credential") != nil {
            guard let name = envelope.string("credential"), CredentialName.isValid(name) else {
                throw Problem.badRequest("`credential` must be a credential's name: \(CredentialName.rule)")
            }
            headers.credential = name
        }
        return try await relay(
            context: context, await call(Array(body[payload.value]), context: context, headers: headers))
    }

    /// Sends the call to the proxy with its release ticket (for the service's credential when the
    /// route names the service; a `/v1` call's model names its provider, which the proxy reads);
    /// its answer is a stream of reply messages.
    private func call(
        _ payload: [UInt8], context: GatewayRequestContext, headers call: ProxyCallHeaders
    ) async throws -> StreamedReply {
        var headers = context.routing.headers
        headers.add(contentsOf: call.headers)
        headers.add(
            ReleaseTicket.header,
            try ticket(
                context, service: call.service?.service, credential: call.service.map { _ in call.credential }))
        // A proxy that announces heartbeats beats every second while a call is quiet: silence for
        // three of them means the call or its answer was lost (a NATS node or the proxy gone): a 503 now.
        let trusted = heartbeats.trusted
        let silence = trusted ? HeartbeatTrust.silence : timeout
        do {
            let reply = try await nats.streamRequest(
                ProxySubjects.call, payload: payload, headers: headers, firstTimeout: silence, idleTimeout: silence,
                heartbeat: HeartbeatTrust.interval)
            heartbeats.saw(reply.head)
            return reply
        } catch let error as NatsError where error.code == .timeout && trusted {
            throw Problem.unavailable("the proxy handling the call stopped answering; try again")
        }
    }

    /// The call's release ticket: this tenant, this request, as long as the call may take.
    private func ticket(_ context: GatewayRequestContext, service: String?, credential: String?) throws -> String {
        tickets.sign(
            ReleaseTicket(
                tenant: try context.tenant.id, requestID: context.requestID, service: service, credential: credential,
                expires: Date() + Double(timeout.components.seconds + 1)))
    }

    /// OpenAI's `x-ratelimit-*` headers for the tenant's limits that covered the call, their
    /// values the proxy's text as it wrote them.
    private static func write(_ limits: UpstreamHead.RateLimits, to headers: inout HTTPFields) {
        limits.forEachCount { kind, limit, remaining, reset in
            let names = kind == .requests ? rateLimitNames.requests : rateLimitNames.tokens
            // Each value made a (small) string first: a field made from the bytes themselves goes
            // through HTTPTypes' generic collection path, twice the cost.
            func field(_ name: HTTPField.Name, _ value: UpstreamHead.RateLimits.Bytes) -> HTTPField {
                HTTPField(name: name, value: String(decoding: value, as: UTF8.self))
            }
            headers.append(field(names.limit, limit))
            headers.append(field(names.remaining, remaining))
            if let reset { headers.append(field(names.reset, reset)) }
        }
    }

    /// A routed answer's headers (docs/routes.md).
    private static let routeNames = (
        route: HTTPField.Name("x-route")!, servedBy: HTTPField.Name("x-served-by")!,
        attempts: HTTPField.Name("x-attempts")!
    )

    private static let rateLimitNames = (
        requests: (
            limit: HTTPField.Name("x-ratelimit-limit-requests")!,
            remaining: HTTPField.Name("x-ratelimit-remaining-requests")!,
            reset: HTTPField.Name("x-ratelimit-reset-requests")!
        ),
        tokens: (
            limit: HTTPField.Name("x-ratelimit-limit-tokens")!,
            remaining: HTTPField.Name("x-ratelimit-remaining-tokens")!,
            reset: HTTPField.Name("x-ratelimit-reset-tokens")!
        )
    )

    /// The provider's status and headers from the first reply message, then its body as it comes.
    /// A client that goes away tells the proxy to stop the upstream call.
    private func relay(context: GatewayRequestContext, _ reply: StreamedReply) async throws -> Response {
        let logger = context.logger
        guard let head = try? UpstreamHead(headers: reply.head.headers) else {
            reply.stop()
            throw Problem(.badGateway, "the proxy's answer named no upstream status")
        }
        var headers = HTTPFields()
        for field in head.passed {
            // Our own x-request-id names this request; the provider's goes as x-upstream-request-id.
            guard let name = HTTPField.Name(field.name == "x-request-id" ? "x-upstream-request-id" : field.name) else {
                continue
            }
            headers.append(HTTPField(name: name, value: field.value))
        }
        if let limits = head.rateLimits { Self.write(limits, to: &headers) }
        if let route = head.route {
            headers.append(HTTPField(name: Self.routeNames.route, value: route.name))
            headers.append(HTTPField(name: Self.routeNames.servedBy, value: route.servedBy))
            headers.append(HTTPField(name: Self.routeNames.attempts, value: String(route.attempts)))
        }
        let status = HTTPResponse.Status(code: head.status)
        let first = reply.head.payload
        if reply.head.isEndOfStream {
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: first)))
        }
        return Response(
            status: status, headers: headers,
            body: ResponseBody { writer in
                do {
                    if !first.isEmpty { try await writer.write(ByteBuffer(bytes: first)) }
                    for try await message in reply.rest where !message.payload.isEmpty {
                        try await writer.write(ByteBuffer(bytes: message.payload))
                    }
                    try await writer.finish(nil)
                } catch {
                    // The client went away (or the stream broke): tell the proxy to stop now.
                    logger.debug(
                        "the answer's stream ended early; the proxy is told to stop", metadata: ["error": "\(error)"])
                    reply.stop()
                    throw error
                }
            })
    }
}

/// Whether the proxies send heartbeats (docs/messaging.md, "Streamed replies"): trusted once
/// ``needed`` answers in a row announced them, and no longer after one that did not. During a
/// rollout from proxies without them, a gateway keeps waiting up to its full timeout, so a slow
/// call to an old proxy is never cut short.
final class HeartbeatTrust: Sendable {
    static let interval = Duration.seconds(1)
    static let silence = Duration.seconds(3)
    static let needed = 20
    private let streak = Atomic<Int>(0)

    var trusted: Bool { streak.load(ordering: .relaxed) >= Self.needed }

    func saw(_ head: NatsMessage) {
        if head.headers[StreamHeader.heartbeat] == nil {
            streak.store(0, ordering: .relaxed)
        } else if streak.load(ordering: .relaxed) < Self.needed {
            streak.add(1, ordering: .relaxed)
        }
    }
}
