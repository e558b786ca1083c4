import Hummingbird

/// Per-request state the gateway's middleware fills in.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The request's id: the client's `x-request-id` if it is well-formed, else a new one.
    var requestID: String = ""

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
