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
    let logger: Logger

    /// A reply message's largest body slice (NATS's default max payload is 1 MiB).
    static let sliceSize = 256 * 1024
    /// The largest non-streamed answer accepted from a provider.
    static let maximumBody = 64 * 1024 * 1024

    var endpoint: MicroService.Endpoint {
        .stream(
            "call", subject: ProxySubjects.call, queueGroup: Subjects.queueGroup(.proxy), maxConcurrency: 1024, handle)
    }

    /// Calls the provider; a client that goes away cancels this task, and with it the upstream
    /// request. The usage event is handed to the publisher in every case (it needs no task).
    @Sendable func handle(_ request: NatsMessage, _ writer: StreamWriter) async throws {
        let call: ProxyCall
        do {
            call = try ProxyCall(request)
        } catch let refusal as ProxyCall.Untranslatable {
            try writer.finish(refusal.body, headers: refusal.head.headers)
            return
        }
        // Over a limit: refused before anything is sent, so there is nothing to meter.
        let admission = try await limits.admit(call)
        let tracker = CallTracker(call: call)
        do {
            let route = call.route
            let credential = try await leases.credential(
                tenant: call.tenant, service: route.provider.service, name: route.credential, routing: call.routing,
                ticket: request.headers[ReleaseTicket.header])
            let upstream = try route.adapter.request(
                path: route.upstreamPath, api: route.upstreamAPI, model: route.model, credential: credential,
                clientHeaders: route.clientHeaders, policy: configuration.baseURLs)
            try await forward(call, to: upstream, writer: writer, tracker: tracker, rateLimits: admission?.rateLimits)
        } catch let error as ServiceError where [.badRequest, .notFound, .unprocessable].contains(error.code) {
            // The client's mistake, found before anything was sent: nothing to meter, and what the
            // call reserved goes back.
            limits.release(admission)
            throw error
        } catch  where writer.isCancelled || Task.isCancelled {
            logger.debug("the client went away: the upstream call is dropped", metadata: ["error": "\(error)"])
            tracker.update { $0.failed(.clientLeft) }
            finish(tracker, admission)
            throw CancellationError()
        } catch {
            let (failure, answer) = UpstreamFailure.classify(error, responded: tracker.responded)
            tracker.update { $0.failed(failure) }
            finish(tracker, admission)
            throw answer
        }
        finish(tracker, admission)
    }

    /// Meters the call: its usage event, its limits' reservations settled with what it used, and
    /// the proxy's own metrics.
    private func finish(_ tracker: CallTracker, _ admission: LimitGate.Admission?) {
        let event = tracker.event()
        limits.settle(admission, with: event)
        ProxyMetrics.record(event)
        usage.submit(event)
    }

    // MARK: - The upstream call

    /// `rateLimits`, when limits covered the call, replace the provider's `x-ratelimit-*`.
    private func forward(
        _ call: ProxyCall, to upstream: UpstreamRequest, writer: StreamWriter, tracker: CallTracker,
        rateLimits: UpstreamHead.RateLimits?
    ) async throws {
        var request = HTTPClientRequest(url: upstream.url)
        request.method = .POST
        request.headers = upstream.headers
        request.headers.replaceOrAdd(name: "traceparent", value: call.trace.header)
        request.body = .bytes(ByteBuffer(bytes: call.payload.bytes))

        let streaming = call.payload.streaming
        let response = try await execute(request, streaming: streaming, tracker: tracker)
        tracker.update { $0.responded(status: Int(response.status.code)) }
        var upstreamHead = UpstreamHead(
            status: Int(response.status.code),
            responseHeaders: response.headers.map { (name: $0.name, value: $0.value) })
        if let rateLimits {
            upstreamHead.passed.removeAll { $0.name.hasPrefix("x-ratelimit-") }
            upstreamHead.rateLimits = rateLimits
        }
        var head = upstreamHead.headers
        var meter = CallMeter(format: call.route.format, hidesUsageChunk: call.payload.hidesUsageChunk)

        let isEventStream =
            response.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") == true
        guard streaming, isEventStream, (200..<300).contains(response.status.code) else {
            let body = try await response.body.collect(upTo: Self.maximumBody)
            let bytes = Array(body.readableBytesView)
            meter.body(bytes)
            tracker.measured(meter)
            guard let translation = call.translation else {
                try send(bytes, head: head, writer: writer)
                return
            }
            let (status, translated) = translation.answer(status: upstreamHead.status, body: bytes)
            upstreamHead.status = status
            upstreamHead.passed.removeAll { $0.name == "content-type" }
            upstreamHead.passed.append(.init(name: "content-type", value: "application/json"))
            try send(translated, head: upstreamHead.headers, writer: writer)
            return
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
    /// failure or a 429/5xx answer, up to `PROXY_MAX_RETRIES` times.
    private func execute(_ request: HTTPClientRequest, streaming: Bool, tracker: CallTracker) async throws
        -> HTTPClientResponse
    {
        let timeout = streaming ? TimeAmount.hours(24) : .milliseconds(configuration.requestTimeout.milliseconds)
        var attempt = 0
        while true {
            do {
                tracker.update { $0.sending() }
                let response = try await client.execute(request, timeout: timeout, logger: logger)
                let status = Int(response.status.code)
                guard !streaming, attempt < configuration.maxRetries, status == 429 || (500...599).contains(status)
                else { return response }
                _ = try? await response.body.collect(upTo: Self.maximumBody)
            } catch let error
                where !streaming && attempt < configuration.maxRetries && UpstreamFailure.isConnectFailure(error)
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
