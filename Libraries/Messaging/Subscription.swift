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
/// The buffer between libnats and the consumers is bounded: when it is full, new messages
/// are dropped and counted in ``droppedMessages`` (the NATS "slow consumer" rule). Several
/// tasks may iterate the same subscription to share its messages. Iteration keeps the
/// subscription alive; the sequence ends after ``drain(timeout:)`` has delivered the messages
/// already received, after ``unsubscribe()``, or when the connection closes.
public final class Subscription: AsyncSequence, Sendable {
    public typealias Element = NatsMessage

    let handle: SubscriptionHandle
    private let queue: AsyncQueue<NatsMessage>
    public let queueGroup: String?

    init(handle: SubscriptionHandle, queue: AsyncQueue<NatsMessage>, queueGroup: String?) {
        self.handle = handle
        self.queue = queue
        self.queueGroup = queueGroup
    }

    public var subject: String { handle.subject }

    /// Messages dropped because the consumers fell behind by more than the buffer.
    public var droppedMessages: Int { queue.droppedCount }

    /// Stops new deliveries; the sequence ends once the messages already received are consumed.
    public func drain(timeout: Duration = .seconds(30)) throws(NatsError) {
        try handle.drain(timeout: timeout)
    }

    /// Stops at once; messages already buffered are still yielded.
    public func unsubscribe() throws(NatsError) {
        try handle.unsubscribe()
    }

    /// The next message; `nil` once the subscription has ended (or the calling task is cancelled).
    public func next() async -> NatsMessage? {
        await queue.next()
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(subscription: self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let subscription: Subscription

        public mutating func next() async -> NatsMessage? {
            await subscription.next()
        }
    }
}
