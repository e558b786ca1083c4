import Synchronization
import Testing

@testable import Messaging

@Suite("Reply inbox")
struct ReplyInboxTests {
    @Test("the timer is armed only while a deadline is pending, and fails waiters that time out")
    func timerSleepsWhenIdle() async throws {
        let inbox = ReplyInbox()
        #expect(inbox.armedAt == nil, "a new inbox has nothing to time")

        for round in 0..<2 {
            let token = inbox.makeToken()
            let started = ContinuousClock.now
            await #expect(throws: NatsError.self, "round \(round)") {
                _ = try await withCheckedThrowingContinuation {
                    (continuation: CheckedContinuation<NatsMessage, any Error>) in
                    inbox.register(token, .single(continuation), timeout: .milliseconds(50))
                    #expect(inbox.armedAt != nil)
                }
            }
            #expect(ContinuousClock.now - started >= .milliseconds(50))
            // The expired deadline was the only one: the timer is disarmed as it fails the waiter.
            #expect(inbox.armedAt == nil)
        }

        // A waiter without a deadline does not arm it.
        let token = inbox.makeToken()
        inbox.register(token, .stream(Recorder(), idle: nil), timeout: nil)
        #expect(inbox.armedAt == nil)
        inbox.remove(token)
    }

    @Test("the timer is armed for the earliest deadline of a waiter still waiting, not for answered ones")
    func armedForEarliestLiveDeadline() async throws {
        let inbox = ReplyInbox()
        // A hundred requests answered at once: their 10-second deadlines are stale.
        for _ in 0..<100 {
            let token = inbox.makeToken()
            _ = try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<NatsMessage, any Error>) in
                inbox.register(token, .single(continuation), timeout: .seconds(10))
                inbox.deliver(NatsMessage(subject: inbox.subject(for: token), replyTo: nil, headers: [:], payload: []))
            }
        }
        let stale = try #require(inbox.armedAt)
        // A waiter with an earlier deadline arms the timer for it.
        let slow = inbox.makeToken()
        let slowReply = Task {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<NatsMessage, any Error>) in
                inbox.register(slow, .single(continuation), timeout: .seconds(5))
            }
        }
        while (inbox.armedAt ?? .max) >= stale { try await Task.sleep(for: .milliseconds(1)) }
        let slowDeadline = try #require(inbox.armedAt)
        // One with a shorter deadline still arms it earlier, and times out on it alone.
        let fast = inbox.makeToken()
        await #expect(throws: NatsError.self) {
            _ = try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<NatsMessage, any Error>) in
                inbox.register(fast, .single(continuation), timeout: .milliseconds(50))
                #expect((inbox.armedAt ?? .max) < slowDeadline)
            }
        }
        // The answered requests' deadlines were dropped: the timer waits for the slow waiter's,
        // which is still waiting, and gets its reply.
        #expect(inbox.armedAt == slowDeadline)
        inbox.deliver(
            NatsMessage(subject: inbox.subject(for: slow), replyTo: nil, headers: [:], payload: Array("ok".utf8)))
        #expect(try await slowReply.value.payload == Array("ok".utf8))
    }
}

@Suite("Reply inbox channels")
struct ReplyInboxChannelTests {
    private func message(_ subject: String) -> NatsMessage {
        NatsMessage(subject: subject, replyTo: nil, headers: [:], payload: Array("x".utf8))
    }

    @Test("a responder takes as stream channel only its reply subject's sibling")
    func streamChannelOfReply() {
        let inbox = ReplyInbox(prefix: "_INBOX.gateway")
        let (token, other) = (inbox.makeToken(), inbox.makeToken())
        let reply = inbox.subject(for: token)
        #expect(StreamHeader.isStreamSubject(inbox.streamSubject(for: token), of: reply))
        for wrong in [
            inbox.streamSubject(for: other), inbox.cancelSubject(for: token), reply,
            "x" + inbox.streamSubject(for: token),
            inbox.streamSubject(for: token) + "x", "events.s.1",
        ] {
            #expect(!StreamHeader.isStreamSubject(wrong, of: reply), "\(wrong)")
        }
        #expect(StreamHeader.isStreamSubject("a.b.s.7", of: "a.b.7"))
        #expect(!StreamHeader.isStreamSubject("s.7", of: "7"), "a reply subject without a dot has no channel")
    }

    @Test("a plain request takes its reply only from the reply channel, never from the stream or cancel channel")
    func channelsAreSeparate() async throws {
        let inbox = ReplyInbox(prefix: "_INBOX.gateway")
        #expect(inbox.wildcardSubject.hasPrefix("_INBOX.gateway.") && inbox.wildcardSubject.hasSuffix(".>"))
        let token = inbox.makeToken()
        let reply = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<NatsMessage, any Error>) in
            inbox.register(token, .single(continuation), timeout: .seconds(5))
            inbox.deliver(message(inbox.streamSubject(for: token)))
            inbox.deliver(message(inbox.cancelSubject(for: token)))
            inbox.deliver(message(inbox.subject(for: token)))
        }
        #expect(reply.subject == inbox.subject(for: token))
    }

    @Test("reply tokens are random: nobody can tell the next subject from the last")
    func tokensAreRandom() {
        let inbox = ReplyInbox(prefix: "_INBOX.gateway")
        let tokens = (0..<1000).map { _ in inbox.makeToken() }
        #expect(Set(tokens).count == tokens.count)
        #expect(zip(tokens, tokens.dropFirst()).allSatisfy { $1 != $0 &+ 1 }, "not a counter")
        #expect(tokens.filter { $0 < UInt64(1) << 32 }.count < 5, "64 bits each, not a small range")
    }

    @Test("a stream takes its reply and stream channels; a cancel waiter only its cancel channel")
    func streamAndCancel() {
        let inbox = ReplyInbox(prefix: "_INBOX.proxy")
        let received = Recorder()
        let stream = inbox.makeToken()
        inbox.register(stream, .stream(received, idle: nil), timeout: nil)
        for subject in [inbox.subject(for: stream), inbox.streamSubject(for: stream), inbox.cancelSubject(for: stream)]
        {
            inbox.deliver(message(subject))
        }
        #expect(received.subjects == [inbox.subject(for: stream), inbox.streamSubject(for: stream)])

        let fired = Mutex(0)
        let cancel = inbox.makeToken()
        inbox.register(cancel, .cancel(fire: { fired.withLock { $0 += 1 } }), timeout: nil)
        inbox.deliver(message(inbox.subject(for: cancel)))
        inbox.deliver(message(inbox.streamSubject(for: cancel)))
        #expect(fired.withLock { $0 } == 0)
        inbox.deliver(message(inbox.cancelSubject(for: cancel)))
        #expect(fired.withLock { $0 } == 1)
        inbox.remove(stream)
        inbox.remove(cancel)
    }
}

/// A stream waiter that keeps the subjects of what it was handed.
private final class Recorder: StreamWaiter {
    private let received = Mutex<[String]>([])

    var subjects: [String] { received.withLock { $0 } }

    func deliver(_ message: NatsMessage) {
        received.withLock { $0.append(message.subject) }
    }

    func fail(_ error: any Error) {}
}
