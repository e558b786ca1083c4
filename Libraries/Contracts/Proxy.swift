import Foundation
import Messaging

/// The proxy's NATS subjects.
///
/// `proxy.call` is a streamed request: the payload is the raw request body for the provider, the
/// headers its ``Routing`` and ``ProxyCallHeaders``; the first reply message carries the
/// ``UpstreamHead`` (the provider's status and the headers passed on), with as much body as
/// fits; more body follows in further messages; the end marker ends it. Small answers are one
/// message.
public enum ProxySubjects {
    public static let call = "proxy.call"
    /// The model ids the tenant's credentials can reach, for `GET /v1/models`.
    public static let models = "proxy.models"
}

/// Which API the client spoke to the gateway.
public enum ClientAPI: String, Sendable {
    /// `POST /proxy/{service}[/stream]`: the provider's own API, any endpoint.
    case raw
    /// `/v1/chat/completions`, `/v1/embeddings`: OpenAI's API, any provider.
    case openAI = "openai"
    /// `/v1/messages`: Anthropic's API.
    case anthropic
}

/// What a `proxy.call` asks besides its routing: the client's API, and what the route named.
public struct ProxyCallHeaders: Sendable, Equatable {
    public var api: ClientAPI
    /// The provider a raw call's route names; a `/v1` call's model names its own (`service/model`).
    public var service: ProviderID?
    /// The provider endpoint path; nil for the provider's chat endpoint.
    public var path: String?
    /// A raw call to `/proxy/{service}/stream`: the proxy sets `stream: true` in the payload.
    public var stream: Bool
    /// Which of the service's credentials, by name.
    public var credential: String
    /// The client's headers the provider gets (``passedClientHeaders``), by lowercase name.
    public var clientHeaders: [String: String]

    /// The client headers a call passes on to the provider.
    public static let passedClientHeaders = ["anthropic-version", "anthropic-beta"]

    public init(
        api: ClientAPI, service: ProviderID? = nil, path: String? = nil, stream: Bool = false,
        credential: String = "default", clientHeaders: [String: String] = [:]
    ) {
        self.api = api
        self.service = service
        self.path = path
        self.stream = stream
        self.credential = credential
        self.clientHeaders = clientHeaders
    }

    enum Header {
        static let api = "Proxy-Api"
        static let service = "Proxy-Service"
        static let path = "Proxy-Path"
        static let stream = "Proxy-Stream"
        static let credential = "Proxy-Credential"
        static let clientHeaderPrefix = "Proxy-Client-"
    }

    public init(headers: MessageHeaders) throws(MalformedHeader) {
        guard let api = headers[Header.api].map(ClientAPI.init(rawValue:)) ?? .raw else {
            throw MalformedHeader(Header.api, "names no API")
        }
        self.api = api
        if let name = headers[Header.service] {
            // The gateway checked it: an unknown name is a newer gateway's provider, not the client's mistake.
            guard let service = ProviderID(service: name) else {
                throw MalformedHeader(Header.service, "names an unknown service \(name.prefix(64))")
            }
            self.service = service
        }
        path = headers[Header.path]
        stream = headers[Header.stream] == "1"
        credential = headers[Header.credential] ?? "default"
        clientHeaders = [:]
        for name in Self.passedClientHeaders {
            if let value = headers[Header.clientHeaderPrefix + name] { clientHeaders[name] = value }
        }
    }

    public var headers: MessageHeaders {
        var headers = MessageHeaders()
        headers.reserveCapacity(8)
        headers.add(Header.api, api.rawValue)
        if let service { headers.add(Header.service, service.service) }
        if let path { headers.add(Header.path, path) }
        if stream { headers.add(Header.stream, "1") }
        if credential != "default" { headers.add(Header.credential, credential) }
        for (name, value) in clientHeaders.sorted(by: { $0.key < $1.key }) {
            headers.add(Header.clientHeaderPrefix + name, value)
        }
        return headers
    }
}

/// The head of a `proxy.call` answer, in its first reply message: the provider's HTTP status and
/// the response headers the client gets (``isPassedOn(_:)``).
public struct UpstreamHead: Sendable, Equatable {
    public var status: Int
    /// The provider's headers the client gets: lowercase names, in the provider's order.
    public var passed: [Field]
    /// The tenant's limits that covered the call (docs/limits.md), which the gateway writes as
    /// OpenAI's `x-ratelimit-*` headers in place of the provider's. One compact header on the
    /// wire, not six.
    public var rateLimits: RateLimits?
    /// A routed call's route, the target that answered and its place (docs/routes.md), which the
    /// gateway writes as `x-route`, `x-served-by` and `x-attempts`.
    public var route: Route?

    /// What the gateway writes as a routed answer's headers. One header on the wire:
    /// `<attempts> <route> <service/model>` (a route's name has no space; a model may).
    public struct Route: Sendable, Equatable {
        public var name: String
        public var servedBy: String
        public var attempts: Int

        public init(name: String, servedBy: String, attempts: Int) {
            self.name = name
            self.servedBy = servedBy
            self.attempts = attempts
        }

        var header: String { "\(attempts) \(name) \(servedBy)" }

        init?(header: String) {
            let words = header.split(separator: " ", maxSplits: 2)
            guard words.count == 3, let attempts = Int(words[0]) else { return nil }
            self.init(name: String(words[1]), servedBy: String(words[2]), attempts: attempts)
        }
    }

    /// The tightest request and token counts: `limit`, `remaining`, and when the window resets
    /// as OpenAI writes it (`12s`, `6m0s`). Kept as the header text the proxy writes once
    /// (`requests 30 29 12s;tokens 1000 900 -`), which the gateway copies into its answer's
    /// headers without reading the numbers.
    public struct RateLimits: Sendable, Equatable {
        /// A count as the proxy knows it: `resetsIn` seconds (nil: never resets).
        public struct Count: Sendable, Equatable {
            public var limit: Int64
            public var remaining: Int64
            public var resetsIn: Double?

            public init(limit: Int64, remaining: Int64, resetsIn: Double?) {
                self.limit = limit
                self.remaining = remaining
                self.resetsIn = resetsIn
            }
        }

        public enum Kind: Sendable { case requests, tokens }

        /// `requests 30 29 12s;tokens 1000 900 -`.
        public let header: String

        public init(requests: Count? = nil, tokens: Count? = nil) {
            // Per count: a name, three spaces and a `;`, two numbers and a reset.
            let room = 2 * (12 + 2 * ASCIIWriter.decimalCapacity + Self.resetCapacity)
            header = ASCIIWriter.string(capacity: room) { header in
                func append(_ name: StaticString, _ count: Count?) {
                    guard let count else { return }
                    if header.count > 0 { header.append(UInt8(ascii: ";")) }
                    header.append(name)
                    header.append(UInt8(ascii: " "))
                    header.append(decimal: count.limit)
                    header.append(UInt8(ascii: " "))
                    header.append(decimal: count.remaining)
                    header.append(UInt8(ascii: " "))
                    if let seconds = count.resetsIn {
                        RateLimits.appendReset(in: seconds, to: &header)
                    } else {
                        header.append(UInt8(ascii: "-"))
                    }
                }
                append("requests", requests)
                append("tokens", tokens)
            }
        }

        /// The header as the gateway got it from the proxy, read (and checked) once, when its counts
        /// are written (``forEachCount(_:)``): a header not of that form writes none.
        init(header: String) { self.header = header }

        /// The header's bytes that make one part of a count (valid only in ``forEachCount(_:)``'s body).
        public typealias Bytes = UnsafeBufferPointer<UInt8>

        /// Each count's limit, remaining count and reset (nil: `-`) as the header's bytes, read in
        /// place: every limited answer's headers are written from them. Nothing when the header is
        /// not of the form ``init(requests:tokens:)`` writes (checked whole before the first count).
        public func forEachCount(_ body: (Kind, _ limit: Bytes, _ remaining: Bytes, _ reset: Bytes?) -> Void) {
            var text = header
            text.withUTF8 { bytes in
                guard let (requests, tokens) = Self.parse(bytes) else { return }
                // Rebased: a string made from a buffer takes the fast path, from a slice the generic one.
                func part(_ range: Range<Int>) -> Bytes { Bytes(rebasing: bytes[range]) }
                func visit(_ kind: Kind, _ count: Parts?) {
                    guard let count else { return }
                    body(kind, part(count.limit), part(count.remaining), count.reset.map(part))
                }
                visit(.requests, requests)
                visit(.tokens, tokens)
            }
        }

        /// One count's text, as the headers carry it (for tests and logs).
        public func text(of wanted: Kind) -> (limit: String, remaining: String, reset: String?)? {
            var found: (limit: String, remaining: String, reset: String?)?
            forEachCount { kind, limit, remaining, reset in
                guard kind == wanted else { return }
                func text(_ bytes: Bytes) -> String { String(decoding: bytes, as: UTF8.self) }
                found = (text(limit), text(remaining), reset.map(text))
            }
            return found
        }

        /// How OpenAI writes the time until a window resets: `6m0s`, `12s`, `0.5s`.
        public static func reset(in seconds: Double) -> String {
            ASCIIWriter.string(capacity: resetCapacity) { appendReset(in: seconds, to: &$0) }
        }

        /// Room for any reset: three numbers and their units.
        private static let resetCapacity = 3 * ASCIIWriter.decimalCapacity + 3

        private static func appendReset(in seconds: Double, to text: inout ASCIIWriter) {
            let seconds = max(0, seconds)
            if seconds < 1 {
                let tenths = Int64((seconds * 10).rounded())
                text.append(decimal: tenths / 10)
                text.append(UInt8(ascii: "."))
                text.append(decimal: tenths % 10)
                text.append(UInt8(ascii: "s"))
                return
            }
            let whole = Int64(min(seconds.rounded(.up), 1e15))
            let (hours, rest) = whole.quotientAndRemainder(dividingBy: 3600)
            let (minutes, secs) = rest.quotientAndRemainder(dividingBy: 60)
            if hours > 0 {
                text.append(decimal: hours)
                text.append(UInt8(ascii: "h"))
            }
            if hours > 0 || minutes > 0 {
                text.append(decimal: minutes)
                text.append(UInt8(ascii: "m"))
            }
            text.append(decimal: secs)
            text.append(UInt8(ascii: "s"))
        }

        /// A count's parts, as ranges of the header's bytes (`reset` nil: `-`).
        private typealias Parts = (limit: Range<Int>, remaining: Range<Int>, reset: Range<Int>?)

        /// A header's counts as ranges of `bytes`; nil when it is not a header of this form:
        /// `name limit remaining reset` parts joined by `;`, the names `requests` and `tokens` (each
        /// at most once), the numbers decimal integers (an optional `-`, at most the 19 digits of an
        /// `Int64`), `-` for no reset.
        private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (requests: Parts?, tokens: Parts?)? {
            let space = UInt8(ascii: " "), semicolon = UInt8(ascii: ";")
            var index = 0
            func skipSpaces() {
                while index < bytes.count && bytes[index] == space { index += 1 }
            }
            func word() -> Range<Int>? {
                skipSpaces()
                let start = index
                while index < bytes.count && bytes[index] != space && bytes[index] != semicolon { index += 1 }
                return start < index ? start..<index : nil
            }
            func number() -> Range<Int>? {
                guard let word = word() else { return nil }
                let digits = bytes[word.lowerBound] == UInt8(ascii: "-") ? word.dropFirst() : word[...]
                guard (1...19).contains(digits.count),
                    digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[$0]) })
                else { return nil }
                return word
            }
            var counts: (requests: Parts?, tokens: Parts?) = (nil, nil)
            while true {
                skipSpaces()
                guard index < bytes.count else { return counts }
                if bytes[index] == semicolon {
                    index += 1
                    continue
                }
                // A part: its name, limit, remaining count and reset, then a ";" or the end.
                guard let name = word(), let limit = number(), let remaining = number(), let reset = word() else {
                    return nil
                }
                skipSpaces()
                guard index == bytes.count || bytes[index] == semicolon else { return nil }
                let parts: Parts = (limit, remaining, bytes[reset].elementsEqual("-".utf8) ? nil : reset)
                if counts.requests == nil, bytes[name].elementsEqual("requests".utf8) {
                    counts.requests = parts
                } else if counts.tokens == nil, bytes[name].elementsEqual("tokens".utf8) {
                    counts.tokens = parts
                } else {
                    return nil
                }
            }
        }
    }

    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(status: Int, passed: [Field] = [], rateLimits: RateLimits? = nil, route: Route? = nil) {
        self.status = status
        self.passed = passed
        self.rateLimits = rateLimits
        self.route = route
    }

    /// The head of a provider's response: its status, and the headers worth passing on.
    public init(status: Int, responseHeaders: [(name: String, value: String)]) {
        self.status = status
        passed = responseHeaders.compactMap { header in
            let name = header.name.utf8.contains { (65...90).contains($0) } ? header.name.lowercased() : header.name
            return Self.isPassedOn(name) ? Field(name: name, value: header.value) : nil
        }
    }

    enum Header {
        static let status = "Upstream-Status"
        static let prefix = "Upstream-Header-"
        static let rateLimits = "Upstream-Rate-Limits"
        static let route = "Upstream-Route"
    }

    public init(headers: MessageHeaders) throws(MalformedHeader) {
        guard let status = headers[Header.status].flatMap(Int.init), (100...599).contains(status) else {
            throw MalformedHeader(Header.status, "is missing or not an HTTP status")
        }
        self.status = status
        passed = headers.compactMap { field in
            field.name.hasPrefix(Header.prefix)
                ? Field(name: String(field.name.dropFirst(Header.prefix.count)), value: field.value) : nil
        }
        rateLimits = headers[Header.rateLimits].map(RateLimits.init(header:))
        route = headers[Header.route].flatMap(Route.init(header:))
    }

    public var headers: MessageHeaders {
        var headers: MessageHeaders = [Header.status: String(status)]
        for field in passed { headers.add(Header.prefix + field.name, field.value) }
        if let rateLimits { headers.add(Header.rateLimits, rateLimits.header) }
        if let route { headers.add(Header.route, route.header) }
        return headers
    }

    /// The provider's response headers the client gets: the content type, request ids, retry and
    /// rate-limit information.
    public static func isPassedOn(_ name: String) -> Bool {
        switch name {
        case "content-type", "request-id", "x-request-id", "retry-after", "openai-processing-ms", "openai-version":
            true
        default:
            name.hasPrefix("x-ratelimit-") || name.hasPrefix("anthropic-ratelimit-") || name.hasPrefix("ratelimit-")
        }
    }
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
