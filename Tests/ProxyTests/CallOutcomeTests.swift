import Testing

@testable import Proxy

@Suite("Call outcomes and billing")
struct CallOutcomeTests {
    static let reported = TokenUsage(prompt: 12, completion: 5, cached: 2)
    static let estimate = TokenUsage(prompt: 250, completion: 40)
    static let zero = TokenUsage()

    @Test(
        "bill only what a provider can have charged for",
        arguments: [
            // (outcome, billed tokens, estimated, status)
            (CallOutcome.notSent(status: 503), zero, false, 503),  // the vault was down
            (.notSent(status: 500), zero, false, 500),  // a key that does not decrypt
            (.notSent(status: 499), zero, false, 499),  // the client left before anything was sent
            (.unreachable, zero, false, 502),
            (.answered(status: 200, usage: reported), reported, false, 200),
            (.answered(status: 200, usage: nil), estimate, true, 200),  // worked, reported nothing
            (.answered(status: 429, usage: nil), zero, false, 429),  // a rate limit is free
            (.answered(status: 503, usage: nil), zero, false, 503),
            (.answered(status: 400, usage: nil), zero, false, 400),
            (.answered(status: 400, usage: reported), reported, false, 400),  // the provider says it charged
            (.timedOut(usage: nil), estimate, true, 504),
            (.interrupted(status: 499, usage: nil), estimate, true, 499),
            (.interrupted(status: 502, usage: nil), estimate, true, 502),
            // Anthropic reported its input before the stream broke: input as reported, output at least what came.
            (
                .interrupted(status: 499, usage: TokenUsage(prompt: 21, completion: 1, cached: 4)),
                TokenUsage(prompt: 21, completion: 40, cached: 4), true, 499
            ),
        ] as [(CallOutcome, TokenUsage, Bool, Int)])
    func billing(outcome: CallOutcome, tokens: TokenUsage, estimated: Bool, status: Int) {
        let billed = outcome.billed(estimate: Self.estimate)
        #expect(billed.usage == tokens, "\(outcome)")
        #expect(billed.estimated == estimated, "\(outcome)")
        #expect(outcome.status == status, "\(outcome)")
    }

    @Test("a call's progress names its outcome")
    func progress() {
        var progress = CallProgress()
        progress.failed(.beforeSending(status: 503))
        #expect(progress.outcome == .notSent(status: 503), "the vault was down")

        progress = CallProgress()
        progress.failed(.clientLeft)
        #expect(progress.outcome == .notSent(status: 499), "gone before anything was sent")

        progress = CallProgress()
        progress.sending()
        progress.failed(.unreachable)
        #expect(progress.outcome == .unreachable)

        progress = CallProgress()
        progress.sending()
        progress.failed(.timedOut)
        #expect(progress.outcome == .timedOut(usage: nil))

        progress = CallProgress()
        progress.sending()
        progress.responded(status: 429)
        progress.retried()
        progress.sending()  // the retry's answer is the one that counts
        progress.responded(status: 200)
        progress.measured(usage: Self.reported, dataBytes: 100)
        #expect(progress.outcome == .answered(status: 200, usage: Self.reported))
        #expect(progress.retries == 1)

        progress = CallProgress()
        progress.sending()
        progress.responded(status: 200)
        progress.measured(usage: nil, dataBytes: 80)
        progress.failed(.clientLeft)
        progress.failed(.broken)  // the first failure is the one
        #expect(progress.outcome == .interrupted(status: 499, usage: nil))
        #expect(progress.dataBytes == 80)

        progress = CallProgress()
        progress.sending()
        progress.responded(status: 200)
        progress.failed(.broken)
        #expect(progress.outcome == .interrupted(status: 502, usage: nil))

        // A 429 put aside for a retry, and the client leaves while the proxy waits: nothing to pay.
        progress = CallProgress()
        progress.sending()
        progress.retried()
        progress.failed(.clientLeft)
        #expect(progress.outcome == .notSent(status: 499))
    }
}
