import Messaging
import Synchronization
import Testing

@Suite("One-shot values")
struct OneShotTests {
    @Test("the first set wins; every waiter, earlier or later, gets that value")
    func firstSetWins() async {
        let shot = OneShot<Int>()
        #expect(shot.value == nil)
        let early = (0..<8).map { _ in Task { await shot.wait() } }
        #expect(shot.set(1))
        #expect(!shot.set(2), "a second set changes nothing")
        for waiter in early { #expect(await waiter.value == 1) }
        #expect(await shot.wait() == 1, "a waiter after the set gets it at once")
        #expect(shot.isSet && shot.value == 1)
    }

    @Test("actions run once with the value: on set, or at once when it is set already")
    func actions() {
        let shot = OneShot<String>()
        let seen = Mutex<[String]>([])
        shot.onSet { value in seen.withLock { $0.append("before:\(value)") } }
        shot.set("a")
        shot.set("b")
        shot.onSet { value in seen.withLock { $0.append("after:\(value)") } }
        #expect(seen.withLock { $0 } == ["before:a", "after:a"])
    }

    @Test("a cancelled waiter stops waiting with nil; the others still get the value")
    func cancelledWaiter() async {
        let shot = OneShot<Int>()
        let started = OneShot<Void>()
        let cancelled = Task {
            started.set(())
            return await shot.wait()
        }
        let patient = Task { await shot.wait() }
        await started.wait()
        cancelled.cancel()
        #expect(await cancelled.value == nil)
        shot.set(7)
        #expect(await patient.value == 7)
    }
}

extension OneShotTests {
    @Test("value() waits through its task's cancellation and returns the value once set")
    func valueIgnoresCancellation() async {
        let shot = OneShot<Int>()
        let started = OneShot<Void>()
        let waiter = Task {
            started.set(())
            return await shot.value()
        }
        await started.wait()
        waiter.cancel()
        try? await Task.sleep(for: .milliseconds(20))
        shot.set(9)
        #expect(await waiter.value == 9)
    }
}

@Suite("Async queues")
struct AsyncQueueTests {
    @Test("elements in order; a batch taken without waiting; after finish the rest, then nil")
    func order() async {
        let queue = AsyncQueue<Int>(capacity: 3)
        for value in 1...5 { queue.deliver(value) }
        #expect(queue.droppedCount == 2, "past its capacity an element is dropped and counted")
        #expect(await queue.next() == 1)
        #expect(queue.take(upTo: 10) == [2, 3])
        #expect(queue.take(upTo: 10).isEmpty)
        let waiting = Task { await queue.next() }
        queue.deliver(6)
        #expect(await waiting.value == 6, "a waiting task gets the element directly")
        queue.deliver(7)
        queue.finish()
        queue.deliver(8)
        #expect(await queue.next() == 7, "what was buffered before the finish still comes")
        #expect(await queue.next() == nil)
    }

    @Test("of several waiting tasks, the one that waited last gets the next element")
    func lastWaiterFirst() async {
        let queue = AsyncQueue<Int>(capacity: 8)
        var waiters: [Task<Int?, Never>] = []
        for index in 0..<3 {
            waiters.append(Task { await queue.next() })
            // Counted, not timed: until this task waits too.
            while queue.waiterCount < index + 1 { await Task.yield() }
        }
        queue.deliver(1)
        #expect(await waiters[2].value == 1)
        queue.deliver(2)
        #expect(await waiters[1].value == 2)
        queue.deliver(3)
        #expect(await waiters[0].value == 3)
    }
}
