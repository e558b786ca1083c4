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

/// `proxy.call`: calls the provider for the gateway and streams its answer back, unchanged,
/// then publishes one usage event for the call (also when the client went away or it failed).
struct CallHandler: Sendable {
    let leases: CredentialLeases
    let client: HTTPClient
    let configuration: ProxyConfiguration
    let usage: UsagePublisher
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
        let call = try ProxyCall(request)
        let record = CallRecord(call: call)
        do {
            let credential = try await leases.credential(
                tenant: call.tenant, service: call.service, name: call.credentialName, routing: request.headers)
            let target = try call.adapter.target(
                path: call.path, api: call.api, model: call.model, credential: credential,
                clientHeaders: call.clientHeaders, policy: configuration.baseURLs)
            try await forward(call, target: target, writer: writer, record: record)
        } catch let error as ServiceError where [400, 404, 422].contains(error.code) {
            throw error  // the client's mistake, found before anything was sent: nothing to meter
        } catch  where writer.isCancelled || Task.isCancelled {
            record.update { $0.failed(.clientLeft) }
            finish(record)
            throw CancellationError()
        } catch {
            let (failure, answer) = Self.failure(error, responded: record.responded)
            record.update { $0.failed(failure) }
            finish(record)
            throw answer
        }
        finish(record)
    }

    /// Meters the call: its usage event, and the proxy's own metrics.
    private func finish(_ record: CallRecord) {
        let event = record.event()
        ProxyMetrics.record(event)
        usage.submit(event)
    }

    // MARK: - The upstream call

    private func forward(
        _ call: ProxyCall, target: (url: String, headers: [(String, String)]), writer: StreamWriter, record: CallRecord
    ) async throws {
        var request = HTTPClientRequest(url: target.url)
        request.method = HTTPMethod(rawValue: call.method)
        for (name, value) in target.headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: "traceparent", value: call.trace.header)
        if call.method == "POST" { request.body = .bytes(ByteBuffer(bytes: call.payload)) }

        let response = try await execute(request, streaming: call.streaming, record: record)
        record.update { $0.responded(status: Int(response.status.code)) }
        var head = Self.head(response)
        var meter = CallMeter(format: call.format, hidesUsageChunk: call.hidesUsageChunk)

        let isEventStream =
            response.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") == true
        guard call.streaming, isEventStream, (200..<300).contains(response.status.code) else {
            let body = try await response.body.collect(upTo: Self.maximumBody)
            let bytes = Array(body.readableBytesView)
            meter.body(bytes)
            record.measured(meter)
            try send(bytes, head: head, writer: writer)
            return
        }
        // Streaming: every chunk goes out as it arrives; the head rides with the first one.
        for try await chunk in response.body {
            let filtered = meter.stream(chunk.readableBytesView)
            record.measured(meter)
            let bytes = filtered ?? Array(chunk.readableBytesView)
            if !bytes.isEmpty || !head.isEmpty {
                try writer.send(bytes, headers: head)
                head = [:]
            }
        }
        if !meter.remainder.isEmpty { try writer.send(meter.remainder) }
        record.measured(meter)
        try writer.finish([UInt8](), headers: head)
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
    private func execute(_ request: HTTPClientRequest, streaming: Bool, record: CallRecord) async throws
        -> HTTPClientResponse
    {
        let timeout = streaming ? TimeAmount.hours(24) : .milliseconds(configuration.requestTimeout.milliseconds)
        var attempt = 0
        while true {
            do {
                record.update { $0.sending() }
                let response = try await client.execute(request, timeout: timeout, logger: logger)
                let status = Int(response.status.code)
                guard !streaming, attempt < configuration.maxRetries, status == 429 || (500...599).contains(status)
                else { return response }
                _ = try? await response.body.collect(upTo: Self.maximumBody)
            } catch let error where !streaming && attempt < configuration.maxRetries && Self.isConnectFailure(error) {
                logger.info("provider unreachable; retrying", metadata: ["attempt": "\(attempt + 1)"])
            }
            attempt += 1
            record.update { $0.retried() }
            let delay = configuration.retryBase * (1 << min(attempt - 1, 6))
            try await Task.sleep(for: delay)
        }
    }

    // MARK: -

    /// The reply's first-message headers: status, and the upstream headers worth passing on.
    private static func head(_ response: HTTPClientResponse) -> MessageHeaders {
        var head: MessageHeaders = [ProxyHeaders.status: String(response.status.code)]
        for header in response.headers where isForwarded(header.name.lowercased()) {
            head.add(ProxyHeaders.upstreamHeaderPrefix + header.name.lowercased(), header.value)
        }
        return head
    }

    static func isForwarded(_ name: String) -> Bool {
        ["content-type", "request-id", "x-request-id", "retry-after", "openai-processing-ms", "openai-version"]
            .contains(name)
            || name.hasPrefix("x-ratelimit-") || name.hasPrefix("anthropic-ratelimit-") || name.hasPrefix("ratelimit-")
    }

    private static func isConnectFailure(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            return error == .connectTimeout || error == .remoteConnectionClosed
        }
        return error is NIOConnectionError || (error as? ChannelError) == .connectPending
            || String(describing: type(of: error)).contains("Connect")
    }

    /// How a call that threw `error` ended, and what the gateway answers for it.
    private static func failure(_ error: any Error, responded: Bool) -> (CallProgress.Failure, ServiceError) {
        if let error = error as? ServiceError { return (.beforeSending(status: error.code), error) }
        if let error = error as? HTTPClientError, error == .readTimeout || error == .deadlineExceeded {
            return (.timedOut, ServiceError(code: 504, message: "the provider did not answer in time"))
        }
        if responded && !isConnectFailure(error) {
            return (.broken, ServiceError(code: 502, message: "the provider's answer broke off"))
        }
        return (.unreachable, ServiceError(code: 502, message: "the provider could not be reached"))
    }
}

/// One call's ``CallProgress``, shared by the tasks that serve it, and its usage event.
final class CallRecord: Sendable {
    let call: ProxyCall
    private let started = ContinuousClock.now
    private let at = Date()
    private let progress = Mutex(CallProgress())

    init(call: ProxyCall) {
        self.call = call
    }

    func update(_ change: (inout CallProgress) -> Void) {
        progress.withLock { change(&$0) }
    }

    func measured(_ meter: CallMeter) {
        update { $0.measured(usage: meter.usage, dataBytes: meter.dataBytes) }
    }

    /// Whether the provider's answer has begun.
    var responded: Bool { progress.withLock { $0.status != nil } }

    /// The usage event: the outcome's status, and tokens billed as ``CallOutcome/billed(estimate:)`` says.
    func event() -> UsageEvent {
        let progress = progress.withLock { $0 }
        let outcome = progress.outcome
        let (usage, estimated) = outcome.billed(
            estimate: TokenUsage(prompt: call.payload.count / 4, completion: progress.dataBytes / 4))
        return UsageEvent(
            id: call.eventID, tenantId: call.tenant, apiKeyId: call.apiKeyID, userId: call.userID,
            service: call.service, model: call.model, endpoint: call.path, status: outcome.status,
            latencyMs: Self.milliseconds(.now - started),
            ttfbMs: progress.firstByte.map { Self.milliseconds($0 - started) },
            promptTokens: usage.prompt, completionTokens: usage.completion, totalTokens: usage.totalTokens,
            cachedTokens: usage.cached, estimated: estimated, streamed: call.streaming,
            clientDisconnected: progress.failure == .clientLeft, at: at, requestId: call.requestID)
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
