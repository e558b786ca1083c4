import CNats

/// A durable JetStream pull consumer bound through libnats. Fetching blocks in libnats, so it
/// runs on ``Blocking``; the pulled messages are copied out and their native memory freed at once.
public final class PullConsumer: Sendable {
    /// libnats's JetStream context and pull subscription; both are thread-safe.
    struct Handles: @unchecked Sendable {
        let context: OpaquePointer
        let subscription: OpaquePointer
    }

    private let handles: Handles
    private let connection: NatsConnection
    public let name: String

    init(handles: Handles, connection: NatsConnection, name: String) {
        self.handles = handles
        self.connection = connection
        self.name = name
    }

    deinit {
        natsSubscription_Destroy(handles.subscription)
        jsCtx_Destroy(handles.context)
    }

    /// Up to `batch` messages, waiting at most `timeout` for the first; `[]` when none came.
    public func fetch(batch: Int, timeout: Duration) async throws -> [JetStreamMessage] {
        let handles = handles
        let milliseconds = max(timeout.milliseconds, 1)
        let name = name
        let copied = try await Blocking.run { () throws -> [(NatsMessage, JetStreamMessage.Metadata)] in
            var list = natsMsgList()
            var errorCode = jsErrCode(0)
            let status = natsSubscription_Fetch(&list, handles.subscription, Int32(batch), milliseconds, &errorCode)
            defer { destroyNative(&list) }
            if status == NATS_TIMEOUT && list.Count == 0 { return [] }
            try check(status, "fetching from \(name)")
            return (0..<Int(list.Count)).compactMap { index in
                guard let msg = list.Msgs[index] else { return nil }
                return (NatsMessage(copying: msg), JetStreamMessage.Metadata(msg))
            }
        }
        return copied.map { JetStreamMessage(message: $0.0, metadata: $0.1, connection: connection) }
    }

    /// Stops pulling; the durable consumer stays on the server with its position.
    public func unsubscribe() throws(NatsError) {
        try check(natsSubscription_Unsubscribe(handles.subscription), "unsubscribing \(name)")
    }
}

/// A message pulled from a stream, to acknowledge once handled.
///
/// Acks are published to the message's reply subject (the `$JS.ACK...` protocol), so the
/// message needs no native memory after it is pulled.
public struct JetStreamMessage: Sendable {
    public struct Metadata: Sendable, Equatable {
        public var streamSequence: UInt64 = 0
        public var consumerSequence: UInt64 = 0
        /// 1 on the first delivery, more on redeliveries.
        public var deliveries: UInt64 = 0
        /// Messages left for this consumer after this one.
        public var pending: UInt64 = 0
        /// When the stream stored it, in nanoseconds since 1970.
        public var timestamp: Int64 = 0

        init(_ msg: OpaquePointer) {
            var meta: UnsafeMutablePointer<jsMsgMetaData>?
            guard natsMsg_GetMetaData(&meta, msg) == NATS_OK, let meta else { return }
            defer { jsMsgMetaData_Destroy(meta) }
            streamSequence = meta.pointee.Sequence.Stream
            consumerSequence = meta.pointee.Sequence.Consumer
            deliveries = meta.pointee.NumDelivered
            pending = meta.pointee.NumPending
            timestamp = meta.pointee.Timestamp
        }
    }

    public let message: NatsMessage
    public let metadata: Metadata
    let connection: NatsConnection

    public var subject: String { message.subject }
    public var headers: MessageHeaders { message.headers }
    public var payload: [UInt8] { message.payload }

    /// Done: the server will not deliver it again.
    public func ack() throws(NatsError) {
        try acknowledge("+ACK")
    }

    /// Acks and waits until the server has recorded the ack.
    public func ackSync(timeout: Duration = .seconds(5)) async throws {
        guard let replyTo = message.replyTo else { return }
        _ = try await connection.request(replyTo, payload: Array("+ACK".utf8), timeout: timeout)
    }

    /// Not done: deliver again, after `delay` if given.
    public func nak(delay: Duration? = nil) throws(NatsError) {
        try acknowledge(delay.map { "-NAK {\"delay\": \($0.nanoseconds)}" } ?? "-NAK")
    }

    /// Never deliver again (a message that can never be handled).
    public func term() throws(NatsError) {
        try acknowledge("+TERM")
    }

    /// Still working on it: restart the ack timer.
    public func inProgress() throws(NatsError) {
        try acknowledge("+WPI")
    }

    private func acknowledge(_ body: String) throws(NatsError) {
        guard let replyTo = message.replyTo else {
            throw NatsError(.invalidArgument, "message on \(message.subject) cannot be acknowledged")
        }
        try connection.publish(replyTo, payload: Array(body.utf8))
    }
}
