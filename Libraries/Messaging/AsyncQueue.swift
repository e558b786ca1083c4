import DequeModule
import Synchronization

/// A bounded buffer between producers that must not wait (a libnats delivery thread, a call
/// handing over its usage event) and the tasks that consume it: a subscription's messages, the
/// usage publisher's events.
///
/// Unlike `AsyncStream`, several tasks may wait on it at once: an element goes straight to a
/// waiting task (one thread hop), or into the buffer when all are busy; when the buffer is full
/// the element is dropped and counted, as NATS does for a slow consumer. The task that waited
/// last gets the next element: of a service's many workers, the few a load needs do the work and
/// the others stay idle (a task keeps the memory its deepest call needed until it ends, so
/// handing elements round the whole pool would grow every worker's).
package final class AsyncQueue<Element: Sendable>: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Element?, Never>
    }

    private struct State {
        var buffer = Deque<Element>()
        var waiters = Deque<Waiter>()
        var finished = false
        var dropped = 0
        var nextWaiterID: UInt64 = 0
    }

    private let capacity: Int
    private let state = Mutex(State())

    package init(capacity: Int) {
        self.capacity = capacity
    }

    package var droppedCount: Int { state.withLock { $0.dropped } }

    /// How many tasks wait for an element (for tests).
    package var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Hands an element over, never waiting (on a libnats delivery thread, say); dropped once
    /// the queue has finished.
    package func deliver(_ message: Element) {
        let waiter = state.withLock { state -> Waiter? in
            guard !state.finished else { return nil }
            if let waiter = state.waiters.popLast() { return waiter }
            if state.buffer.count < capacity {
                state.buffer.append(message)
            } else {
                state.dropped += 1
            }
            return nil
        }
        waiter?.continuation.resume(returning: message)
    }

    /// No more elements will come: waiting tasks get `nil` once the buffer is empty.
    package func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }

    /// Up to `count` buffered elements, without waiting.
    package func take(upTo count: Int) -> [Element] {
        state.withLock { state in
            let taken = Array(state.buffer.prefix(count))
            state.buffer.removeFirst(taken.count)
            return taken
        }
    }

    /// The next element, or `nil` when the queue has finished and is empty, or the task is cancelled.
    package func next() async -> Element? {
        if let message = state.withLock({ $0.buffer.popFirst() }) { return message }
        let id = state.withLock { state in
            state.nextWaiterID &+= 1
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                let immediate = state.withLock { state -> Element?? in
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
