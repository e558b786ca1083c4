import Testing

@testable import Messaging

@Suite("Reply inbox")
struct ReplyInboxTests {
    @Test("the timer ticks only while a deadline is pending, and still fails waiters that time out")
    func timerSleepsWhenIdle() async throws {
        let inbox = ReplyInbox()
        #expect(!inbox.isTicking, "a new inbox has nothing to time")

        for round in 0..<2 {
            let token = inbox.makeToken()
            let started = ContinuousClock.now
            await #expect(throws: NatsError.self, "round \(round)") {
                _ = try await withCheckedThrowingContinuation {
                    (continuation: CheckedContinuation<NatsMessage, any Error>) in
                    inbox.register(token, .single(continuation), timeout: .milliseconds(50))
                    #expect(inbox.isTicking)
                }
            }
            #expect(ContinuousClock.now - started >= .milliseconds(50))
            // The expired deadline was the only one: the timer goes back to sleep.
            let deadline = ContinuousClock.now + .seconds(2)
            while inbox.isTicking && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(!inbox.isTicking)
        }

        // A waiter without a deadline does not wake it.
        let token = inbox.makeToken()
        inbox.register(token, .stream(deliver: { _ in }, fail: { _ in }, idle: nil), timeout: nil)
        #expect(!inbox.isTicking)
        inbox.remove(token)
    }
}
