import AsyncHTTPClient
import Contracts
import Foundation
import Logging
import Messaging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceKit
import Synchronization
import Translation

/// `proxy.call`: calls the provider for the gateway and streams its answer back, unchanged,
/// then publishes one usage event for the call (also when the client went away or it failed).
struct CallHandler: Sendable {
    let leases: CredentialLeases
    let client: HTTPClient
    let configuration: ProxyConfiguration
    let usage: UsagePublisher
    let limits: LimitGate
    let routes: RouteTable
    let planner: RoutePlanner
    var health: TargetHealth { planner.health }
    let logger: Logger

    /// A reply message's largest body slice (NATS's default max payload is 1 MiB).
    static let sliceSize = 256 * 1024
    /// The largest non-streamed answer accepted from a provider.
    static let maximumBody = 64 * 1024 * 1024

    var endpoint: MicroService.Endpoint {
        .stream(
            "call", subject: ProxySubjects.call, queueGroup: Subjects.queueGroup(.proxy), maxConcurrency: 1024, handle)
    }

    /// Calls the provider (or, for a route's name, the route's targets in turn); a client that
    /// goes away cancels this task, and with it the upstream request. The usage event is handed to
    /// the publisher in every case (it needs no task).
    @Sendable func handle(_ message: NatsMessage, _ writer: StreamWriter) async throws {
        let request = try CallRequest(message)
        if let name = request.routeName, let route = await routes.route(named: name, tenant: request.tenant) {
            try await routed(request, route: route, writer: writer)
            return
        }
        let call: ProxyCall
        do {
            call = try ProxyCall(request)
        } catch let refusal as ProxyCall.Untranslatable {
            try writer.finish(refusal.body, headers: refusal.head.headers)
            return
        }
        // Over a limit: refused before anything is sent, so there is nothing to meter.
        let admission = try await limits.admit(call)
        let (end, _) = try await attempt(
            call, admission: admission, rateLimits: admission?.rateLimits, writer: writer,
            retries: configuration.maxRetries)
        if case .failed(let error, _) = end { throw error }
    }

    /// How an attempt ended.
    enum AttemptEnd {
        /// The client has the provider's answer, with the provider's status.
        case answered(status: Int, retryAfter: Int?)
        /// The provider answered a status the route moves on from; nothing reached the client.
        case declined(status: Int, retryAfter: Int?)
        /// It failed before anything reached the client, with the error the client gets and, when
        /// the provider timed out or could not be reached, the route's name for that.
        case failed(any Error, RouteOutcome?)
    }

    /// One request to a provider, metered; `moveOn` names the statuses to decline (a routed
    /// call's next target takes over), `route` what the answer's head says of its route.
    /// Throws only once something may have reached the client, or when it went away.
    private func attempt(
        _ call: ProxyCall, admission: LimitGate.Admission?, rateLimits: UpstreamHead.RateLimits?,
        writer: StreamWriter, retries: Int, moveOn: Set<RouteOutcome> = [], route: UpstreamHead.Route? = nil
    ) async throws -> (AttemptEnd, UsageEvent?) {
        let tracker = CallTracker(call: call)
        do {
            let destination = call.route
            let credential = try await leases.credential(
                tenant: call.tenant, service: destination.provider.service, name: destination.credential,
                routing: call.routing, ticket: call.request.ticket)
            let upstream = try destination.adapter.request(
                path: destination.upstreamPath, api: destination.upstreamAPI, model: destination.model,
                credential: credential, clientHeaders: destination.clientHeaders, policy: configuration.baseURLs)
            let end = try await forward(
                call, to: upstream, writer: writer, tracker: tracker, rateLimits: rateLimits, retries: retries,
                moveOn: moveOn, route: route)
            return (end, finish(tracker, admission))
        } catch let error as ServiceError where [.badRequest, .notFound, .unprocessable].contains(error.code) {
            // The client's mistake (or the route's), found before anything was sent: nothing to
            // meter, and what the call reserved goes back.
            limits.release(admission)
            return (.failed(error, nil), nil)
        } catch  where writer.isCancelled || Task.isCancelled {
            logger.debug("the client went away: the upstream call is dropped", metadata: ["error": "\(error)"])
            tracker.update { $0.failed(.clientLeft) }
            finish(tracker, admission)
            throw CancellationError()
        } catch {
            let (failure, answer) = UpstreamFailure.classify(error, responded: tracker.responded)
            tracker.update { $0.failed(failure) }
            let event = finish(tracker, admission)
            // Once the provider's answer began, some of it may have reached the client.
            if tracker.responded { throw answer }
            return (.failed(answer, failure == .timedOut ? .timeout : failure == .unreachable ? .connect : nil), event)
        }
    }

    /// Meters the call: its usage event, its limits' reservations settled with what it used, and
    /// the proxy's own metrics.
    @discardableResult
    private func finish(_ tracker: CallTracker, _ admission: LimitGate.Admission?) -> UsageEvent {
        let event = tracker.event()
        limits.settle(admission, with: CollectionOfOne(event))
        ProxyMetrics.record(event)
        usage.submit(event)
        return event
    }

    // MARK: - Routes

    /// A call to one of the tenant's routes: its targets in the planner's order, each attempt
    /// metered on its own, until one answers or ends in an outcome the route does not move on
    /// from (docs/routes.md).
    private func routed(_ request: CallRequest, route: Route, writer: StreamWriter) async throws {
        let plan = planner.plan(route)
        var callAdmission: LimitGate.Admission?
        var admitted = false
        var events: [UsageEvent] = []
        // The call's own limits (the tenant's, a key's, the route's) take one request for the
        // whole call, settled with every attempt's use; a limit on a service or model covers each
        // attempt at it.
        defer { limits.settle(callAdmission, with: events) }
        // Made only when an attempt fails (building it for every call showed in the profile).
        var lastFailure: (any Error)?
        for (index, target) in plan.enumerated() {
            let number = index + 1
            let isLast = number == plan.count
            let head = UpstreamHead.Route(name: route.name, servedBy: target.label, attempts: number)
            let call: ProxyCall
            do {
                call = try ProxyCall(request, target: target, attempt: RouteAttempt(route: route.name, number: number))
            } catch let refusal as ProxyCall.Untranslatable {
                RouteMetrics.attempt(route: route.name, target: target.label, outcome: "untranslatable")
                guard isLast else { continue }
                var refused = refusal.head
                refused.route = head
                try writer.finish(refusal.body, headers: refused.headers)
                return
            } catch {
                RouteMetrics.attempt(route: route.name, target: target.label, outcome: "refused")
                lastFailure = error
                continue
            }
            if !admitted {
                callAdmission = try await limits.admit(call, scope: .call)
                admitted = true
            }
            let targetAdmission: LimitGate.Admission?
            do {
                targetAdmission = try await limits.admit(call, scope: .target)
            } catch {
                // This target's own limit is spent: the next target may serve.
                RouteMetrics.attempt(route: route.name, target: target.label, outcome: "limited")
                lastFailure = error
                continue
            }
            let (end, event) = try await attempt(
                call, admission: targetAdmission,
                rateLimits: LimitGate.Admission.merged(callAdmission, targetAdmission)?.rateLimits, writer: writer,
                retries: isLast ? configuration.maxRetries : 0, moveOn: isLast ? [] : route.retryOn, route: head)
            if let event { events.append(event) }
            switch end {
            case .answered(let status, let retryAfter):
                RouteMetrics.attempt(route: route.name, target: target.label, outcome: "answered")
                health.observed(target, of: route, status: status, retryAfter: retryAfter)
                return
            case .declined(let status, let retryAfter):
                RouteMetrics.attempt(route: route.name, target: target.label, outcome: "declined")
                RouteMetrics.fallback(route: route.name, from: target.label)
                health.observed(target, of: route, status: status, retryAfter: retryAfter)
                lastFailure = ServiceError(.badGateway, "every target of route \(route.name) failed")
            case .failed(let error, let outcome):
                RouteMetrics.attempt(route: route.name, target: target.label, outcome: "failed")
                if outcome == .connect { health.observed(target, of: route, status: 502, retryAfter: nil) }
                lastFailure = error
                // A timeout or an unreachable provider moves on only if the route says so; a
                // target that could not be used at all (no credential, its base URL not allowed)
                // always does.
                guard !isLast, outcome.map(route.retryOn.contains) ?? true else { throw error }
                RouteMetrics.fallback(route: route.name, from: target.label)
            }
        }
        throw lastFailure ?? ServiceError.badRequest("route \(route.name) has no targets")
    }

    // MARK: - The upstream call

    /// `rateLimits`, when limits covered the call, replace the provider's `x-ratelimit-*`; a
    /// status `moveOn` names is declined (read, metered, not sent on).
    private func forward(
        _ call: ProxyCall, to upstream: UpstreamRequest, writer: StreamWriter, tracker: CallTracker,
        rateLimits: UpstreamHead.RateLimits?, retries: Int, moveOn: Set<RouteOutcome>, route: UpstreamHead.Route?
    ) async throws -> AttemptEnd {
        var request = HTTPClientRequest(url: upstream.url)
        request.method = .POST
        request.headers = upstream.headers
        request.headers.replaceOrAdd(name: "traceparent", value: call.trace.header)
        request.body = .bytes(ByteBuffer(bytes: call.payload.bytes))

        let streaming = call.payload.streaming
        let response = try await execute(request, streaming: streaming, tracker: tracker, retries: retries)
        let status = Int(response.status.code)
        tracker.update { $0.responded(status: status) }
        let retryAfter = response.headers.first(name: "retry-after").flatMap { Int($0) }
        var meter = CallMeter(format: call.route.format, hidesUsageChunk: call.payload.hidesUsageChunk)
        if let outcome = Self.routeOutcome(status), moveOn.contains(outcome) {
            meter.body(Array(try await response.body.collect(upTo: Self.maximumBody).readableBytesView))
            tracker.measured(meter)
            return .declined(status: status, retryAfter: retryAfter)
        }
        var upstreamHead = UpstreamHead(
            status: status, responseHeaders: response.headers.map { (name: $0.name, value: $0.value) })
        if let rateLimits {
            // Names are lowercase ASCII here: compared as bytes.
            upstreamHead.passed.removeAll { $0.name.utf8.starts(with: "x-ratelimit-".utf8) }
            upstreamHead.rateLimits = rateLimits
        }
        upstreamHead.route = route
        let answered = AttemptEnd.answered(status: status, retryAfter: retryAfter)
        var head = upstreamHead.headers

        let isEventStream =
            response.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") == true
        guard streaming, isEventStream, (200..<300).contains(response.status.code) else {
            let body = try await response.body.collect(upTo: Self.maximumBody)
            let bytes = Array(body.readableBytesView)
            meter.body(bytes)
            tracker.measured(meter)
            guard let translation = call.translation else {
                try send(bytes, head: head, writer: writer)
                return answered
            }
            let (status, translated) = translation.answer(status: upstreamHead.status, body: bytes)
            upstreamHead.status = status
            upstreamHead.passed.removeAll { $0.name == "content-type" }
            upstreamHead.passed.append(.init(name: "content-type", value: "application/json"))
            try send(translated, head: upstreamHead.headers, writer: writer)
            return answered
        }
        // Streaming: every chunk goes out as it arrives (each complete event translated at once,
        // when the call is translated); the head rides with the first one.
        var translation = call.translation?.stream(estimatedInputTokens: call.payload.bytes.count / 4)
        for try await chunk in response.body {
            let filtered = meter.stream(chunk.readableBytesView)
            tracker.measured(meter)
            let bytes = translation?.push(chunk.readableBytesView) ?? filtered ?? Array(chunk.readableBytesView)
            if !bytes.isEmpty || !head.isEmpty {
                try writer.send(bytes, headers: head)
                head = [:]
            }
        }
        if !meter.remainder.isEmpty { try writer.send(meter.remainder) }
        tracker.measured(meter)
        try writer.finish(translation?.finish() ?? [], headers: head)
        return answered
    }

    /// The route outcome a provider's status is, if any.
    static func routeOutcome(_ status: Int) -> RouteOutcome? {
        status == 429 ? .rateLimited : (500...599).contains(status) ? .serverError : nil
    }

    /// A whole body: the head and up to one slice in the first message, the rest in slices.
    private func send(_ bytes: [UInt8], head: MessageHeaders, writer: StreamWriter) throws {
        if bytes.count <= Self.sliceSize {
            try writer.finish(bytes, headers: head)
            return
        }
        var offset = 0
        var headers = head
        while offset < bytes.count {
            let end = min(offset + Self.sliceSize, bytes.count)
            try writer.send(Array(bytes[offset..<end]), headers: headers)
            headers = [:]
            offset = end
        }
        try writer.finish()
    }

    /// Sends the request; a non-streaming one is retried (with backoff) after a connection
    /// failure or a 429/5xx answer, up to `retries` times (`PROXY_MAX_RETRIES`; a route's targets
    /// but its last are not retried: the next target is the retry).
    private func execute(_ request: HTTPClientRequest, streaming: Bool, tracker: CallTracker, retries: Int)
        async throws -> HTTPClientResponse
    {
        let timeout = streaming ? TimeAmount.hours(24) : .milliseconds(configuration.requestTimeout.milliseconds)
        var attempt = 0
        while true {
            do {
                tracker.update { $0.sending() }
                let response = try await client.execute(request, timeout: timeout, logger: logger)
                let status = Int(response.status.code)
                guard !streaming, attempt < retries, status == 429 || (500...599).contains(status)
                else { return response }
                _ = try? await response.body.collect(upTo: Self.maximumBody)
            } catch let error
                where !streaming && attempt < retries && UpstreamFailure.isConnectFailure(error)
            {
                logger.info("provider unreachable; retrying", metadata: ["attempt": "\(attempt + 1)"])
            }
            attempt += 1
            tracker.update { $0.retried() }
            let delay = configuration.retryBase * (1 << min(attempt - 1, 6))
            try await Task.sleep(for: delay)
        }
    }
}
