import Foundation

/// The proxy's NATS subjects and the headers of a proxied call.
///
/// `proxy.call` is a streamed request: the payload is the raw request body for the provider; the
/// first reply message carries the upstream status and headers (``ProxyHeaders/status``, and the
/// upstream's own headers prefixed `Upstream-`), with as much body as fits; more body follows in
/// further messages; the end marker ends it. Small answers are one message.
public enum ProxySubjects {
    public static let call = "proxy.call"
    /// The model ids the tenant's credentials can reach, for `GET /v1/models`.
    public static let models = "proxy.models"
}

public enum ProxyHeaders {
    /// Which API the client spoke: `raw` (`/proxy/{service}`), `openai` (`/v1/*`), `anthropic` (`/v1/messages`).
    public static let api = "Proxy-Api"
    /// The provider (`openai`, ...); for `openai`/`anthropic` calls the proxy may take it from the model.
    public static let service = "Proxy-Service"
    /// The provider endpoint path (`/v1/chat/completions`).
    public static let path = "Proxy-Path"
    /// `GET` or `POST` (default).
    public static let method = "Proxy-Method"
    /// `1`: the client wants a stream (server-sent events).
    public static let stream = "Proxy-Stream"
    /// The credential name to use (default `default`).
    public static let credential = "Proxy-Credential"
    /// Client headers passed on to the provider (`anthropic-version`, `anthropic-beta`), prefixed.
    public static let clientHeaderPrefix = "Proxy-Client-"
    /// In the first reply message: the upstream HTTP status.
    public static let status = "Upstream-Status"
    /// In the first reply message: an upstream response header, prefixed.
    public static let upstreamHeaderPrefix = "Upstream-Header-"
}

/// What `proxy.models` answers: OpenAI's list format.
public struct ModelList: Codable, Sendable {
    public struct Model: Codable, Sendable, Equatable {
        public var id: String
        public var object = "model"
        public var created: Int
        public var ownedBy: String

        enum CodingKeys: String, CodingKey {
            case id, object, created
            case ownedBy = "owned_by"
        }

        public init(id: String, created: Int, ownedBy: String) {
            self.id = id
            self.created = created
            self.ownedBy = ownedBy
        }
    }

    public var object = "list"
    public var data: [Model]

    public init(data: [Model]) {
        self.data = data
    }
}

/// `proxy.models`'s request: the services the tenant holds credentials for.
public struct ModelsRequest: Codable, Sendable {
    public var services: [String]
    public init(services: [String]) { self.services = services }
}
