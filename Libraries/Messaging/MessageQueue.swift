import DequeModule
import Synchronization

/// The bounded buffer between a libnats delivery thread and the tasks consuming a subscription.
///
/// Unlike `AsyncStream`, several tasks may wait on it at once: a message goes straight to a
/// waiting task (one thread hop), or into the buffer when all are busy; when the buffer is full
/// the message is dropped and counted, as NATS does for a slow consumer.
final class MessageQueue: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<NatsMessage?, Never>
    }

    private struct State {
        var buffer = Deque<NatsMessage>()
        var waiters = Deque<Waiter>()
        var finished = false
        var dropped = 0
        var nextWaiterID: UInt64 = 0
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    var droppedCount: Int { state.withLock { $0.dropped } }

    /// Called on the delivery thread.
    func deliver(_ message: NatsMessage) {
        let waiter = state.withLock { state -> Waiter? in
            guard !state.finished else { return nil }
            if let waiter = state.waiters.popFirst() { return waiter }
            if state.buffer.count < capacity {
                state.buffer.append(message)
            } else {
                state.dropped += 1
            }
            return nil
        }
        waiter?.continuation.resume(returning: message)
    }

    /// No more messages will come: waiting tasks get `nil` once the buffer is empty.
    func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }

    /// The next message, or `nil` when the subscription has ended or the task is cancelled.
    func next() async -> NatsMessage? {
        if let message = state.withLock({ $0.buffer.popFirst() }) { return message }
        let id = state.withLock { state in
            state.nextWaiterID &+= 1
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<NatsMessage?, Never>) in
                let immediate = state.withLock { state -> NatsMessage?? in
                    if let message = state.buffer.popFirst() { return .some(message) }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(returning: nil)
        }
    }
}
