import CNats
import Foundation
import Logging
import Synchronization

/// A connection to NATS through libnats, with an async API.
///
/// libnats connections are thread-safe (each call takes the connection's lock), which is what
/// makes this class `Sendable`; the pointer never leaves this module. Blocking calls (connect,
/// flush, close) run on ``Blocking``; publishing only copies into the socket buffer.
public final class NatsConnection: @unchecked Sendable {
    public enum State: Sendable, Equatable {
        case connecting, connected, reconnecting, draining, closed, disconnected
    }

    let pointer: OpaquePointer
    let events: ConnectionEvents
    let inbox: ReplyInbox
    /// The streams this connection answers that beat while they are quiet.
    let heartbeats = Heartbeats()
    let logger: Logger
    public let name: String
    /// Replicas of the streams ``JetStream/ensureStream(_:updating:)`` creates.
    public let streamReplicas: Int
    /// Where this connection's replies arrive (see ``NatsConfiguration/inboxPrefix``).
    public let inboxPrefix: String
    private let inboxSubscription: SubscriptionHandle

    private init(pointer: OpaquePointer, events: ConnectionEvents, configuration: NatsConfiguration, logger: Logger)
        throws(NatsError)
    {
        self.pointer = pointer
        self.events = events
        self.logger = logger
        name = configuration.name
        streamReplicas = configuration.streamReplicas
        inboxPrefix = configuration.inboxPrefix
        let inbox = ReplyInbox(prefix: configuration.inboxPrefix)
        self.inbox = inbox
        // A reply published while the connection is away never arrives: its waiter fails now
        // (a 503 for a client), not at its deadline. Requests made after the drop go out on reconnect.
        events.onDisconnect.withLock { $0 = { inbox.failAll(.disconnected) } }
        inboxSubscription = try Self.subscribe(
            pointer, subject: inbox.wildcardSubject, queue: nil,
            sink: MessageSink(deliver: { inbox.deliver($0) }, complete: { inbox.close() }))
        heartbeats.send.withLock {
            $0 = { [weak self] subject in try? self?.publish(subject, headers: StreamHeader.beat) }
        }
    }

    deinit {
        inbox.close()
        natsConnection_Destroy(pointer)
    }

    /// Connects, retrying in the background if no server answers yet (see ``NatsConfiguration``).
    public static func connect(_ configuration: NatsConfiguration, logger: Logger) async throws -> NatsConnection {
        let events = ConnectionEvents(logger: logger)
        let pointer = try await Blocking.run { () throws -> UncheckedPointer in
            try UncheckedPointer(openNative(configuration, events: events))
        }
        return try NatsConnection(pointer: pointer.value, events: events, configuration: configuration, logger: logger)
    }

    private static func openNative(_ configuration: NatsConfiguration, events: ConnectionEvents) throws(NatsError)
        -> OpaquePointer
    {
        var options: OpaquePointer?
        try check(natsOptions_Create(&options), "creating NATS options")
        guard let options else { throw NatsError(.client, "creating NATS options") }
        defer { natsOptions_Destroy(options) }

        try withCStrings(configuration.servers) { servers throws(NatsError) in
            try check(
                natsOptions_SetServers(options, servers, Int32(configuration.servers.count)), "setting NATS servers")
        }
        if let user = configuration.user {
            try check(natsOptions_SetUserInfo(options, user, configuration.password), "setting NATS credentials")
        }
        try check(natsOptions_SetName(options, configuration.name), "setting the connection name")
        // libnats makes inboxes of its own for JetStream pull subscriptions: under the same prefix.
        try check(
            natsOptions_SetCustomInboxPrefix(options, configuration.inboxPrefix), "setting the inbox prefix")
        try check(natsOptions_SetTimeout(options, configuration.connectTimeout.milliseconds), "setting the timeout")
        try check(
            natsOptions_SetReconnectWait(options, configuration.reconnectWait.milliseconds), "setting reconnect wait")
        try check(
            natsOptions_SetMaxReconnect(options, Int32(configuration.maxReconnectAttempts ?? -1)),
            "setting reconnect attempts")
        try check(
            natsOptions_SetReconnectBufSize(options, Int32(configuration.reconnectBufferBytes)),
            "setting the reconnect buffer")
        // Without this libnats batches writes in a flusher thread: ~2 ms per round trip instead of ~0.3 ms.
        try check(natsOptions_SetSendAsap(options, configuration.sendAsap), "setting send-asap")
        try check(natsOptions_SetNoRandomize(options, !configuration.randomize), "setting the server order")

        // One retain for libnats, given back by the closed callback.
        let context = Unmanaged.passRetained(events).toOpaque()
        try check(natsOptions_SetClosedCB(options, natsClosedCallback, context), "setting the closed callback")
        try check(natsOptions_SetDisconnectedCB(options, natsDisconnectedCallback, context), "setting callbacks")
        try check(natsOptions_SetReconnectedCB(options, natsReconnectedCallback, context), "setting callbacks")
        try check(natsOptions_SetErrorHandler(options, natsErrorCallback, context), "setting callbacks")
        if configuration.retryOnFailedConnect {
            try check(
                natsOptions_SetRetryOnFailedConnect(options, true, natsConnectedCallback, context),
                "setting connect retry")
        }

        var connection: OpaquePointer?
        let status = natsConnection_Connect(&connection, options)
        guard status == NATS_OK || status == NATS_NOT_YET_CONNECTED, let connection else {
            Unmanaged<ConnectionEvents>.fromOpaque(context).release()
            throw NatsError.status(status, "connecting to \(configuration.servers.joined(separator: ","))")
        }
        if status == NATS_NOT_YET_CONNECTED {
            events.logger.warning("NATS not reachable yet; retrying in the background")
        }
        return connection
    }

    // MARK: - State

    public var state: State {
        switch natsConnection_Status(pointer) {
        case NATS_CONN_STATUS_CONNECTED: .connected
        case NATS_CONN_STATUS_CONNECTING: .connecting
        case NATS_CONN_STATUS_RECONNECTING: .reconnecting
        case NATS_CONN_STATUS_DRAINING_SUBS, NATS_CONN_STATUS_DRAINING_PUBS: .draining
        case NATS_CONN_STATUS_CLOSED: .closed
        default: .disconnected
        }
    }

    public var isConnected: Bool { state == .connected }

    /// The URL of the server the connection is on (nil while it has none).
    public var connectedURL: String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard natsConnection_GetConnectedUrl(pointer, &buffer, buffer.count) == NATS_OK, buffer[0] != 0 else {
            return nil
        }
        return String(cString: buffer)
    }

    /// How many times the connection came back after losing its server.
    public var reconnects: Int { events.state.withLock { $0.reconnects } }

    /// Messages and bytes in and out since the connection was made (libnats's counters).
    public struct Statistics: Sendable, Equatable {
        public var messagesIn: UInt64 = 0
        public var bytesIn: UInt64 = 0
        public var messagesOut: UInt64 = 0
        public var bytesOut: UInt64 = 0
    }

    public var statistics: Statistics {
        var stats: OpaquePointer?
        guard natsStatistics_Create(&stats) == NATS_OK, let stats else { return Statistics() }
        defer { natsStatistics_Destroy(stats) }
        var result = Statistics()
        var reconnected: UInt64 = 0
        guard natsConnection_GetStats(pointer, stats) == NATS_OK,
            natsStatistics_GetCounts(
                stats, &result.messagesIn, &result.bytesIn, &result.messagesOut, &result.bytesOut, &reconnected)
                == NATS_OK
        else { return Statistics() }
        return result
    }

    /// A new unique subject under this connection's inbox prefix, for a subscription of its own.
    public func newInbox() -> String {
        "\(inboxPrefix).\(ReplyInbox.randomToken())"
    }

    /// The last asynchronous error the server reported (a permissions violation, a slow consumer).
    public var lastAsyncError: String? { events.state.withLock { $0.lastAsyncError } }

    // MARK: - Publishing

    /// Publishes a message; it is written to the socket at once (or buffered while reconnecting).
    public func publish(
        _ subject: String, payload: some ContiguousBytes = [UInt8](), headers: MessageHeaders = [:],
        replyTo: String? = nil
    ) throws(NatsError) {
        let status: natsStatus
        if headers.isEmpty {
            status = payload.withUnsafeBytes { bytes in
                if let replyTo {
                    natsConnection_PublishRequest(pointer, subject, replyTo, bytes.baseAddress, Int32(bytes.count))
                } else {
                    natsConnection_Publish(pointer, subject, bytes.baseAddress, Int32(bytes.count))
                }
            }
            try check(status, "publishing on \(subject)")
        } else {
            let msg = try payload.withUnsafeBytes { bytes in
                Result { () throws(NatsError) in
                    try NatsMessage.makeNative(subject: subject, reply: replyTo, headers: headers, payload: bytes)
                }
            }.get()
            defer { destroyNative(msg) }
            try check(natsConnection_PublishMsg(pointer, msg), "publishing on \(subject)")
        }
    }

    /// Replies to a request (does nothing for a message that wanted no reply).
    public func reply(
        to message: NatsMessage, payload: some ContiguousBytes = [UInt8](), headers: MessageHeaders = [:]
    ) throws(NatsError) {
        guard let replyTo = message.replyTo else { return }
        try publish(replyTo, payload: payload, headers: headers)
    }

    /// Waits until the server has processed everything published so far.
    public func flush(timeout: Duration = .seconds(5)) async throws {
        let pointer = UncheckedPointer(pointer)
        let milliseconds = timeout.milliseconds
        try await Blocking.run { () throws -> Void in
            try check(natsConnection_FlushTimeout(pointer.value, milliseconds), "flushing")
        }
    }

    // MARK: - Subscribing

    /// Subscribes to `subject` (in queue group `queue`, if given) as an `AsyncSequence`.
    public func subscribe(_ subject: String, queue: String? = nil, bufferSize: Int = 4096) throws(NatsError)
        -> Subscription
    {
        let messages = AsyncQueue<NatsMessage>(capacity: bufferSize)
        let handle = try Self.subscribe(
            pointer, subject: subject, queue: queue,
            sink: MessageSink(deliver: messages.deliver, complete: messages.finish))
        return Subscription(handle: handle, queue: messages, queueGroup: queue)
    }

    /// Subscribes with a handler run on libnats's delivery thread: for cheap, non-blocking
    /// handlers only (discovery replies), where it avoids a thread hop.
    public func subscribe(
        _ subject: String, queue: String? = nil, inline handler: @escaping @Sendable (NatsMessage) -> Void
    ) throws(NatsError) -> InlineSubscription {
        InlineSubscription(
            handle: try Self.subscribe(
                pointer, subject: subject, queue: queue, sink: MessageSink(deliver: handler, complete: {})))
    }

    private static func subscribe(_ connection: OpaquePointer, subject: String, queue: String?, sink: MessageSink)
        throws(NatsError) -> SubscriptionHandle
    {
        let context = Unmanaged.passRetained(sink)
        var subscription: OpaquePointer?
        let status =
            if let queue {
                natsConnection_QueueSubscribe(
                    &subscription, connection, subject, queue, natsMessageCallback, context.toOpaque())
            } else {
                natsConnection_Subscribe(&subscription, connection, subject, natsMessageCallback, context.toOpaque())
            }
        guard status == NATS_OK, let subscription else {
            context.release()
            throw NatsError.status(status, "subscribing to \(subject)")
        }
        // libnats keeps up to 64k messages per subscription before reporting a slow consumer.
        natsSubscription_SetPendingLimits(subscription, 65_536, 64 * 1024 * 1024)
        guard
            natsSubscription_SetOnCompleteCB(subscription, natsSubscriptionCompleteCallback, context.toOpaque())
                == NATS_OK
        else {
            // Closed already (connection closed): the callback will never run.
            natsSubscription_Destroy(subscription)
            context.release()
            throw NatsError.connectionClosed
        }
        return SubscriptionHandle(pointer: subscription, subject: subject)
    }

    // MARK: - Shutdown

    /// Stops every subscription after delivering what it received, sends what is buffered,
    /// then closes. Returns when the connection is closed.
    public func drain(timeout: Duration = .seconds(10)) async {
        let status = natsConnection_DrainTimeout(pointer, timeout.milliseconds)
        if status != NATS_OK {
            // Not connected (or closed already): drain is impossible, close instead.
            await close()
            return
        }
        await events.waitUntilClosed()
    }

    /// Closes at once; pending requests fail with `.connectionClosed`.
    public func close() async {
        let pointer = UncheckedPointer(pointer)
        await Blocking.run { natsConnection_Close(pointer.value) }
        inbox.close()
        await events.waitUntilClosed()
    }
}

/// A subscription whose messages go to a handler on the delivery thread.
public final class InlineSubscription: Sendable {
    let handle: SubscriptionHandle

    init(handle: SubscriptionHandle) {
        self.handle = handle
    }

    public func drain(timeout: Duration = .seconds(30)) throws(NatsError) {
        try handle.drain(timeout: timeout)
    }

    public func unsubscribe() throws(NatsError) {
        try handle.unsubscribe()
    }
}

/// A C pointer carried into a `Blocking` closure. Safe because libnats objects are thread-safe.
struct UncheckedPointer: @unchecked Sendable {
    let value: OpaquePointer
    init(_ value: OpaquePointer) { self.value = value }
}

/// Calls `body` with a C array of C strings that lives for the duration of the call.
func withCStrings<R, E: Error>(
    _ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) throws(E) -> R
) throws(E) -> R {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    var pointers = duplicates.map { UnsafePointer($0) }
    return try pointers.withUnsafeMutableBufferPointer { buffer throws(E) in try body(buffer.baseAddress!) }
}
