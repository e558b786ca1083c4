import Contracts
import Hummingbird
import NIOCore

/// Per-request state the gateway's middleware fills in.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The request's id: the client's `x-request-id` if it is well-formed, else a new one.
    var requestID: String = ""
    /// The request's trace: the client's `traceparent` continued, or a new trace. Services get a child.
    var trace = TraceContext.root()
    /// Who is calling; set by the route's ``RequestGuard`` (nil on anonymous routes).
    var principal: Principal?
    /// The client's IP address (for anonymous rate limits and the public forms' limits): the TCP
    /// peer, or behind `TRUSTED_PROXY_HOPS` proxies the address they put in `X-Forwarded-For`
    /// (set by ``EdgeMiddleware``).
    var clientAddress: String
    /// The largest request body accepted (`MAX_BODY_BYTES`, set by ``EdgeMiddleware``); larger ones get 413.
    var bodyLimit = 1_048_576
    var maxUploadSize: Int { bodyLimit }
    /// The connection, for closing it after a 413 (see ``EdgeMiddleware``).
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        channel = source.channel
    }
}

extension GatewayRequestContext {
    /// The routing every request to a service carries: this request's id, a child of its trace,
    /// and the tenant and caller the route authenticated (none on anonymous routes).
    var routing: Routing {
        Routing(
            requestID: requestID, trace: trace.child(), tenant: principal?.tenant?.id,
            caller: principal?.caller ?? .anonymous)
    }
}
