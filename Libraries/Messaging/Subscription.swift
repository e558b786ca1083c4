import CNats
import Synchronization

/// Owns one libnats subscription. libnats subscriptions are thread-safe (every call
/// takes the subscription's own lock), so the handle may be shared across tasks.
final class SubscriptionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let subject: String

    init(pointer: OpaquePointer, subject: String) {
        self.pointer = pointer
        self.subject = subject
    }

    /// Stops interest at the server; messages already received are still delivered, then the sink completes.
    func drain(timeout: Duration) throws(NatsError) {
        try check(natsSubscription_DrainTimeout(pointer, timeout.milliseconds), "draining \(subject)")
    }

    func unsubscribe() throws(NatsError) {
        try check(natsSubscription_Unsubscribe(pointer), "unsubscribing \(subject)")
    }

    deinit {
        natsSubscription_Destroy(pointer)
    }
}

/// Messages on a subject (optionally in a queue group) as an `AsyncSequence`.
///
/// The buffer between libnats and the consumer is bounded: when it is full, new messages
/// are dropped and counted in ``droppedMessages`` (the NATS "slow consumer" rule).
/// Iteration keeps the subscription alive; the sequence ends after ``drain(timeout:)`` has
/// delivered the messages already received, after ``unsubscribe()``, or when the connection closes.
public final class Subscription: AsyncSequence, Sendable {
    public typealias Element = NatsMessage

    let handle: SubscriptionHandle
    private let stream: AsyncStream<NatsMessage>
    private let dropped: DropCounter
    public let queue: String?

    init(handle: SubscriptionHandle, stream: AsyncStream<NatsMessage>, dropped: DropCounter, queue: String?) {
        self.handle = handle
        self.stream = stream
        self.dropped = dropped
        self.queue = queue
    }

    public var subject: String { handle.subject }

    /// Messages dropped because the consumer fell behind by more than the buffer.
    public var droppedMessages: Int { dropped.value.load(ordering: .relaxed) }

    /// Stops new deliveries; the sequence ends once the messages already received are consumed.
    public func drain(timeout: Duration = .seconds(30)) throws(NatsError) {
        try handle.drain(timeout: timeout)
    }

    /// Stops at once; messages already buffered are still yielded.
    public func unsubscribe() throws(NatsError) {
        try handle.unsubscribe()
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(handle: handle, base: stream.makeAsyncIterator())
    }

    public struct Iterator: AsyncIteratorProtocol {
        let handle: SubscriptionHandle
        var base: AsyncStream<NatsMessage>.Iterator

        public mutating func next() async -> NatsMessage? {
            await base.next()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> NatsMessage? {
            await base.next(isolation: actor)
        }
    }
}
