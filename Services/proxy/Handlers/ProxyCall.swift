import Contracts
import Foundation
import Messaging

/// One proxied call, read from the gateway's request: which provider, which endpoint, and the
/// payload to send, with the few edits the proxy makes (`stream`, `stream_options`, the model
/// name without its `service/` prefix). Everything else goes upstream byte for byte.
struct ProxyCall: Sendable {
    let api: ClientAPI
    let adapter: ProviderAdapter
    let path: String
    let method: String
    let streaming: Bool
    /// The proxy added `stream_options.include_usage`: the usage-only last chunk is not the client's.
    let hidesUsageChunk: Bool
    let model: String?
    let payload: [UInt8]
    let credentialName: String
    let tenant: UUID
    let requestID: String
    /// The provider gets a child of the gateway's span (W3C `traceparent`).
    let trace: TraceContext
    /// The usage event's id: minted here, since a client may choose its request id.
    let eventID = UUID.v7().uuidString.lowercased()
    let apiKeyID: UUID?
    let userID: UUID?
    let clientHeaders: [(String, String)]

    var service: String { adapter.provider.service }
    var format: UsageFormat { adapter.format(for: api) }

    init(_ request: NatsMessage) throws {
        let headers = request.headers
        tenant = try request.tenantID()
        requestID = headers[RoutingHeaders.requestID] ?? UUID().uuidString
        trace = (headers[RoutingHeaders.traceParent].flatMap(TraceContext.init(header:)) ?? .root()).child()
        let principalID = headers[RoutingHeaders.principalID].flatMap(UUID.init(uuidString:))
        apiKeyID = headers[RoutingHeaders.principalKind] == "api-key" ? principalID : nil
        userID = headers[RoutingHeaders.principalKind] == "user" ? principalID : nil
        clientHeaders = headers.fields.compactMap { field in
            field.name.hasPrefix(ProxyHeaders.clientHeaderPrefix)
                ? (String(field.name.dropFirst(ProxyHeaders.clientHeaderPrefix.count)), field.value) : nil
        }
        credentialName = headers[ProxyHeaders.credential] ?? "default"
        method = headers[ProxyHeaders.method] == "GET" ? "GET" : "POST"
        api = headers[ProxyHeaders.api].flatMap(ClientAPI.init(rawValue:)) ?? .raw

        var payload = request.payload
        var fields = method == "POST" ? JSONFields(payload) : nil
        if method == "POST" && fields == nil { throw ServiceError.badRequest("the payload must be a JSON object") }

        // The provider: named by the route, or by a `service/model` model name.
        var service = headers[ProxyHeaders.service]
        var model = fields?.string("model")
        if let model,
            model.utf8.count > UsageEvent.modelLimit
                || model.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        {
            // No model is named so; the usage report would show it cut and without its NUL characters.
            throw ServiceError.badRequest(
                "`model` must be at most \(UsageEvent.modelLimit) bytes, without control characters")
        }
        if api != .raw {
            if let name = model, let slash = name.firstIndex(of: "/"), Provider.named(String(name[..<slash])) != nil {
                service = String(name[..<slash])
                model = String(name[name.index(after: slash)...])
                payload = fields!.setting("model", to: Self.jsonString(model!))
                fields = JSONFields(payload)
            }
            service = service ?? (api == .anthropic ? "anthropic" : "openai")
        }
        guard let service else { throw ServiceError.badRequest("no service named") }
        guard let adapter = ProviderAdapter.named(service) else {
            throw ServiceError.notFound("unknown service \(service.prefix(64))")
        }
        if api == .anthropic && service != "anthropic" {
            throw ServiceError.badRequest("the Anthropic API (/v1/messages) reaches only the anthropic service")
        }
        self.adapter = adapter
        self.model = model

        let path = headers[ProxyHeaders.path] ?? adapter.provider.defaultPath
        if let problem = URLPathRules.providerPathProblem(path) { throw ServiceError.badRequest("`path` \(problem)") }
        self.path = path

        // Streaming: asked by the route (`/proxy/{service}/stream`) or by the payload (`/v1/*`).
        if api == .raw && headers[ProxyHeaders.stream] == "1" {
            payload = fields!.setting("stream", to: "true")
            fields = JSONFields(payload)
        }
        streaming = fields?.bool("stream") == true
        var hides = false
        if streaming, adapter.format(for: api) == .openAI, adapter.acceptsStreamUsage, api != .anthropic,
            let current = fields
        {
            let options = current.object("stream_options")
            if options?.bool("include_usage") != true {
                let updated = options.map { String(decoding: $0.setting("include_usage", to: "true"), as: UTF8.self) }
                payload = current.setting("stream_options", to: updated ?? #"{"include_usage":true}"#)
                hides = true
            }
        }
        hidesUsageChunk = hides
        self.payload = payload
    }

    static func jsonString(_ text: String) -> String {
        (try? String(decoding: JSONEncoder().encode(text), as: UTF8.self)) ?? "\"\""
    }
}
