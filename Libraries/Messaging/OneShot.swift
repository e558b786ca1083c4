import Synchronization

/// A value set once and awaited by any number of tasks: a stream's outcome, a cancel, a
/// connection's close, a write's result. Waiters that come after it is set get it at once; a
/// waiter whose task is cancelled stops waiting (and gets nil).
public final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var nextWaiter = 0
        var waiters = Waiters()
        var actions: [@Sendable (Value) -> Void] = []
    }

    /// The tasks waiting: almost always one or none, held without allocating.
    private struct Waiters {
        typealias Continuation = CheckedContinuation<Value?, Never>
        var first: (id: Int, continuation: Continuation)?
        var more: [Int: Continuation] = [:]

        mutating func add(_ id: Int, _ continuation: Continuation) {
            if first == nil { first = (id, continuation) } else { more[id] = continuation }
        }

        mutating func remove(_ id: Int) -> Continuation? {
            guard let waiter = first, waiter.id == id else { return more.removeValue(forKey: id) }
            first = nil
            return waiter.continuation
        }

        func resumeAll(returning value: Value) {
            first?.continuation.resume(returning: value)
            for continuation in more.values { continuation.resume(returning: value) }
        }
    }

    private let state = Mutex(State())

    public init() {}

    /// Sets the value, wakes every waiter and runs every ``onSet(_:)`` action. Only the first
    /// call sets it: it returns false, changing nothing, when the value was set already.
    @discardableResult
    public func set(_ value: Value) -> Bool {
        let woken = state.withLock { state -> (waiters: Waiters, actions: [@Sendable (Value) -> Void])? in
            guard state.value == nil else { return nil }
            state.value = value
            defer {
                state.waiters = Waiters()
                state.actions = []
            }
            return (state.waiters, state.actions)
        }
        guard let woken else { return false }
        woken.waiters.resumeAll(returning: value)
        for action in woken.actions { action(value) }
        return true
    }

    /// The value, once set.
    public var value: Value? { state.withLock { $0.value } }

    public var isSet: Bool { value != nil }

    /// Runs `action` with the value when it is set (at once, here, if it is).
    public func onSet(_ action: @escaping @Sendable (Value) -> Void) {
        let value = state.withLock { state -> Value? in
            if state.value == nil { state.actions.append(action) }
            return state.value
        }
        if let value { action(value) }
    }

    /// The value, when it is set, however long that takes: the waiting task's cancellation does
    /// not end the wait (for a waiter that must see the outcome, as a stream's end or a close).
    public func value() async -> Value {
        let value = await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Value? in
                if let value = state.value { return value }
                state.nextWaiter += 1
                state.waiters.add(state.nextWaiter, continuation)
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
        // Only `set` resumes a waiter registered here, and with the value.
        return value!
    }

    /// The value, when it is set; nil if the waiting task is cancelled first.
    public func wait() async -> Value? {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Under the lock: set, cancelled (its handler ran before we registered) or wait.
                let now = state.withLock { state -> Value?? in
                    if let value = state.value { return .some(value) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters.add(id, continuation)
                    return .none
                }
                if case .some(let result) = now { continuation.resume(returning: result) }
            }
        } onCancel: {
            state.withLock { $0.waiters.remove(id) }?.resume(returning: nil)
        }
    }
}
