import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// A reply to a request: payload and headers.
public struct Reply: Sendable {
    public var payload: [UInt8]
    public var headers: MessageHeaders

    public init(payload: [UInt8] = [], headers: MessageHeaders = [:]) {
        self.payload = payload
        self.headers = headers
    }
}

/// A NATS service in the style of the NATS Services API (ADR-32), which libnats 3.4.1 lacks:
/// endpoints served in queue groups, so instances share the load, and the discovery subjects
/// `$SRV.PING|INFO|STATS[.<name>[.<id>]]`, answered by every instance.
///
/// Run it in a `ServiceGroup`: on graceful shutdown it stops taking requests (the
/// subscriptions drain, so the queue group sends new ones to other instances), finishes the
/// ones it holds, and returns.
public final class MicroService: Service, Sendable {
    public typealias RequestHandler = @Sendable (NatsMessage) async throws -> Reply
    public typealias StreamHandler = @Sendable (NatsMessage, StreamWriter) async throws -> Void

    public struct Identity: Sendable {
        public var name: String
        public var version: String
        public var description: String
        public var metadata: [String: String]

        public init(name: String, version: String, description: String, metadata: [String: String] = [:]) {
            self.name = name
            self.version = version
            self.description = description
            self.metadata = metadata
        }
    }

    public struct Endpoint: Sendable {
        public enum Handler: Sendable {
            case request(RequestHandler)
            /// `cancelsHandler`: whether a requester's cancel cancels the handler's task (else the
            /// handler watches its writer's cancellation itself).
            case stream(StreamHandler, cancelsHandler: Bool)
        }

        public var name: String
        public var subject: String
        public var queueGroup: String
        public var handler: Handler
        /// Requests handled at once by this instance; more wait in the subscription's buffer.
        public var maxConcurrency: Int
        /// Whether it cannot work without the service's ``Dependency`` (its database): refused at
        /// once while that is down.
        public var needsDependency = false
        let stats = EndpointStats()

        /// This endpoint, refused at once while the service's ``Dependency`` is down.
        public func needingDependency() -> Self {
            var endpoint = self
            endpoint.needsDependency = true
            return endpoint
        }
    }

    /// Something a service's endpoints cannot work without (its database). While it is down, an
    /// endpoint that needs it answers its ``outage`` at once, and a request waiting on it when it
    /// goes down is answered so then: a fast 503 for the client, not a wait until a timeout.
    public protocol Dependency: Sendable {
        /// What to answer while it is down; nil while it is up.
        var outage: ServiceError? { get }
        /// Returns once it is down (at once if it is); a cancelled wait returns too.
        func waitUntilDown() async
    }

    public let identity: Identity
    /// This instance's id: `$SRV.PING.<name>.<id>` reaches it alone.
    public let id: String
    public let connection: NatsConnection
    public let endpoints: [Endpoint]
    private let logger: Logger
    /// Request headers a failure's log line carries, each under its metadata key.
    private let loggedHeaders: [(header: String, key: String)]
    private let dependency: (any Dependency)?
    private let started = Date()

    public init(
        connection: NatsConnection, id: String = MicroService.makeInstanceID(), identity: Identity,
        endpoints: [Endpoint], loggedHeaders: [(header: String, key: String)] = [], dependency: (any Dependency)? = nil,
        logger: Logger
    ) {
        self.connection = connection
        self.id = id
        self.identity = identity
        self.endpoints = endpoints
        self.loggedHeaders = loggedHeaders
        self.dependency = dependency
        self.logger = logger
    }

    /// A fresh random instance id (22 characters, like a NUID).
    public static func makeInstanceID() -> String {
        ReplyInbox.randomToken()
    }

    public func run() async throws {
        let subscriptions = try endpoints.map { endpoint in
            try connection.subscribe(
                endpoint.subject, queue: endpoint.queueGroup, bufferSize: max(4096, endpoint.maxConcurrency * 4))
        }
        // Discovery last: an instance that answers `$SRV.PING` already serves its endpoints.
        let discovery = try subscribeDiscovery()
        logger.info("serving \(endpoints.count) endpoints", metadata: ["service.id": "\(id)"])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for (endpoint, subscription) in zip(endpoints, subscriptions) {
                    group.addTask { await self.serve(endpoint, subscription) }
                }
                if endpoints.isEmpty {
                    // Discovery alone: serve it until told to stop.
                    group.addTask { try? await gracefulShutdown() }
                }
            }
        } onGracefulShutdown: {
            for subscription in discovery { try? subscription.unsubscribe() }
            for subscription in subscriptions { try? subscription.drain() }
        }
        logger.info("stopped serving", metadata: ["service.id": "\(id)"])
    }

    /// `maxConcurrency` workers share the endpoint's subscription: a request goes straight to an
    /// idle worker, so it costs one thread hop from libnats's delivery thread. A streamed request
    /// runs in its worker's task, which the requester's cancel cancels
    /// (``NatsConnection/respondStream(to:cancelsHandler:_:)``): that worker then ends, and a
    /// fresh one takes its place.
    private func serve(_ endpoint: Endpoint, _ subscription: Subscription) async {
        let metrics = EndpointMetrics(service: identity.name, endpoint: endpoint.name)
        /// Serves until the subscription ends (false) or a requester's cancel cancelled it (true).
        let work: @Sendable () async -> Bool = {
            while let message = await subscription.next() {
                await self.handle(message, endpoint, metrics)
                if Task.isCancelled { return true }
            }
            return false
        }
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<endpoint.maxConcurrency { group.addTask(operation: work) }
            for await cancelled in group where cancelled && !Task.isCancelled {
                group.addTask(operation: work)
            }
        }
    }

    private func handle(_ message: NatsMessage, _ endpoint: Endpoint, _ metrics: EndpointMetrics) async {
        // A request whose answer would go anywhere but an inbox is not served at all (see
        // ``NatsMessage/repliesToInbox``).
        if message.replyTo != nil && !message.repliesToInbox { return }
        let clock = ContinuousClock()
        let start = clock.now
        var failure: ServiceError?
        let dependency = endpoint.needsDependency ? dependency : nil
        if let outage = dependency?.outage {
            failure = outage
            try? connection.reply(to: message, headers: outage.headers)
            endpoint.stats.record(duration: clock.now - start, error: failure)
            metrics.record(clock.now - start, outcome: String(outage.code.httpStatus))
            return
        }
        switch endpoint.handler {
        case .request(let handler):
            do {
                let reply =
                    if let dependency {
                        try await Self.racing(dependency) { try await handler(message) }
                    } else {
                        try await handler(message)
                    }
                try connection.reply(to: message, payload: reply.payload, headers: reply.headers)
            } catch {
                failure = serviceError(error, endpoint, message)
                try? connection.reply(to: message, headers: failure!.headers)
            }
        case .stream(let handler, let cancelsHandler):
            failure = await connection.respondStream(to: message, cancelsHandler: cancelsHandler) { writer in
                try await handler(message, writer)
            }
            if let failure { logCause(of: failure, endpoint, message) }
        }
        let duration = clock.now - start
        endpoint.stats.record(duration: duration, error: failure)
        metrics.record(duration, outcome: failure.map { String($0.code.httpStatus) })
    }

    /// Runs `handler` until it ends or `dependency` goes down (then the handler is cancelled and
    /// the dependency's outage is thrown).
    private static func racing(_ dependency: any Dependency, _ handler: @escaping @Sendable () async throws -> Reply)
        async throws -> Reply
    {
        try await withThrowingTaskGroup(of: Reply?.self) { group in
            group.addTask { try await handler() }
            group.addTask {
                await dependency.waitUntilDown()
                return nil
            }
            defer { group.cancelAll() }
            if let result = try await group.next(), let reply = result { return reply }
            throw dependency.outage ?? ServiceError.unavailable("a dependency of this service went down")
        }
    }

    /// The error the requester gets for what a handler threw.
    private func serviceError(_ error: any Error, _ endpoint: Endpoint, _ message: NatsMessage) -> ServiceError {
        if let error = error as? ServiceError {
            logCause(of: error, endpoint, message)
            return error
        }
        logger.error("handler failed: \(String(reflecting: error))", metadata: logMetadata(endpoint, message))
        return .internalError
    }

    /// A service error's cause stays here, in this service's log (it never travels).
    private func logCause(of error: ServiceError, _ endpoint: Endpoint, _ message: NatsMessage) {
        guard let cause = error.underlying else { return }
        var metadata = logMetadata(endpoint, message)
        metadata["cause"] = "\(String(reflecting: cause))"
        logger.warning("answered \(error.code): \(error.message)", metadata: metadata)
    }

    private func logMetadata(_ endpoint: Endpoint, _ message: NatsMessage) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["nats.subject": "\(endpoint.subject)", "endpoint": "\(endpoint.name)"]
        for (header, key) in loggedHeaders {
            if let value = message.headers[header] { metadata[key] = "\(value)" }
        }
        return metadata
    }

    // MARK: - Discovery

    private func subscribeDiscovery() throws(NatsError) -> [InlineSubscription] {
        try ["$SRV.*", "$SRV.*.\(identity.name)", "$SRV.*.\(identity.name).\(id)"].map { subject throws(NatsError) in
            try connection.subscribe(subject, inline: { [weak self] message in self?.answerDiscovery(message) })
        }
    }

    private func answerDiscovery(_ message: NatsMessage) {
        let verb = message.subject.split(separator: ".").dropFirst().first.map(String.init)
        let encoder = JSONEncoder()
        let body: Data?
        switch verb {
        case "PING":
            body = try? encoder.encode(
                PingResponse(name: identity.name, id: id, version: identity.version, metadata: identity.metadata))
        case "INFO":
            body = try? encoder.encode(info)
        case "STATS":
            body = try? encoder.encode(stats)
        default:
            return
        }
        guard let body, message.repliesToInbox else { return }
        try? connection.reply(to: message, payload: body)
    }

    private var info: InfoResponse {
        InfoResponse(
            name: identity.name, id: id, version: identity.version, metadata: identity.metadata,
            description: identity.description,
            endpoints: endpoints.map {
                .init(name: $0.name, subject: $0.subject, queueGroup: $0.queueGroup, metadata: nil)
            })
    }

    private var stats: StatsResponse {
        StatsResponse(
            name: identity.name, id: id, version: identity.version, metadata: identity.metadata,
            started: started.formatted(.iso8601),
            endpoints: endpoints.map { endpoint in
                let snapshot = endpoint.stats.snapshot
                return .init(
                    name: endpoint.name, subject: endpoint.subject, queueGroup: endpoint.queueGroup,
                    numRequests: snapshot.requests, numErrors: snapshot.errors, lastError: snapshot.lastError,
                    processingTime: snapshot.processingNanoseconds,
                    averageProcessingTime: snapshot.requests == 0
                        ? 0 : snapshot.processingNanoseconds / Int64(snapshot.requests))
            })
    }
}

extension MicroService.Endpoint {
    /// A request/reply endpoint.
    public static func request(
        _ name: String, subject: String, queueGroup: String, maxConcurrency: Int = 64,
        _ handler: @escaping MicroService.RequestHandler
    ) -> Self {
        Self(
            name: name, subject: subject, queueGroup: queueGroup, handler: .request(handler),
            maxConcurrency: maxConcurrency)
    }

    /// An endpoint answering with a streamed reply (see
    /// ``NatsConnection/respondStream(to:cancelsHandler:_:)``).
    public static func stream(
        _ name: String, subject: String, queueGroup: String, maxConcurrency: Int = 64, cancelsHandler: Bool = true,
        _ handler: @escaping MicroService.StreamHandler
    ) -> Self {
        Self(
            name: name, subject: subject, queueGroup: queueGroup,
            handler: .stream(handler, cancelsHandler: cancelsHandler),
            maxConcurrency: maxConcurrency)
    }
}

/// An endpoint's Prometheus series: requests and their durations by outcome (`ok` or the error
/// status), the `ok` pair made once, error pairs when first needed.
private struct EndpointMetrics: Sendable {
    let service: String
    let endpoint: String
    let okRequests: Counter
    let okDurations: Timer

    init(service: String, endpoint: String) {
        self.service = service
        self.endpoint = endpoint
        let dimensions = Self.dimensions(service, endpoint, "ok")
        okRequests = Counter(label: "strongbox_nats_requests_total", dimensions: dimensions)
        okDurations = Timer(label: "strongbox_nats_request_duration_seconds", dimensions: dimensions)
    }

    func record(_ duration: Duration, outcome: String?) {
        let nanoseconds = duration.nanoseconds
        guard let outcome else {
            okRequests.increment()
            okDurations.recordNanoseconds(nanoseconds)
            return
        }
        let dimensions = Self.dimensions(service, endpoint, outcome)
        Counter(label: "strongbox_nats_requests_total", dimensions: dimensions).increment()
        Timer(label: "strongbox_nats_request_duration_seconds", dimensions: dimensions).recordNanoseconds(nanoseconds)
    }

    private static func dimensions(_ service: String, _ endpoint: String, _ outcome: String) -> [(String, String)] {
        [("service", service), ("endpoint", endpoint), ("outcome", outcome)]
    }
}
