/// How a proxied call ended, told by what a provider can have charged for.
enum CallOutcome: Equatable, Sendable {
    /// Refused or failed before any request left for the provider (no credential, the vault
    /// down, a key that does not decrypt, the client gone): `status` is what the client got.
    case notSent(status: Int)
    /// The provider could not be reached (connect failure, connection refused or reset): nothing
    /// was processed.
    case unreachable
    /// The provider answered in full, reporting its usage or not.
    case answered(status: Int, usage: TokenUsage?)
    /// The request was sent, and no complete answer came in time.
    case timedOut(usage: TokenUsage?)
    /// The request was sent and the answer broke off: the client left (499) or the provider's
    /// answer ended early (502).
    case interrupted(status: Int, usage: TokenUsage?)

    /// The status the usage event records.
    var status: Int {
        switch self {
        case .notSent(let status), .answered(let status, _), .interrupted(let status, _): status
        case .unreachable: 502
        case .timedOut: 504
        }
    }

    /// What the call is billed: the provider's own usage when it reported one for a complete
    /// answer; an estimate (marked) where the provider may have done work without reporting it:
    /// a success without usage, a timeout or an interruption after the request was sent; nothing
    /// for everything else (a refusal, an unreachable provider, an error answer without usage).
    func billed(estimate: TokenUsage) -> (usage: TokenUsage, estimated: Bool) {
        switch self {
        case .notSent, .unreachable:
            return (TokenUsage(), false)
        case .answered(_, let usage?):
            return (usage, false)
        case .answered(let status, nil):
            return (200..<300).contains(status) ? (estimate, true) : (TokenUsage(), false)
        case .timedOut(let usage), .interrupted(_, let usage):
            // What the provider said so far (Anthropic reports input before it writes), with the
            // output at least what came through.
            guard let usage else { return (estimate, true) }
            return (
                TokenUsage(
                    prompt: usage.prompt, completion: max(usage.completion, estimate.completion), cached: usage.cached),
                true
            )
        }
    }
}

/// What one call did so far, gathered across the tasks that serve it: a value that moves from
/// preparing to sent to answered, and names its ``CallOutcome`` at the end.
struct CallProgress: Sendable {
    /// Why a call did not complete.
    enum Failure: Equatable, Sendable {
        /// Before anything was sent: the service error the client gets.
        case beforeSending(status: Int)
        /// The provider could not be reached.
        case unreachable
        /// Sent, but the answer did not come (or finish) in time.
        case timedOut
        /// Sent, and the answer broke off.
        case broken
        /// The client left.
        case clientLeft
    }

    private(set) var sent = false
    /// The provider's status, once its answer's head came.
    private(set) var status: Int?
    private(set) var firstByte: ContinuousClock.Instant?
    private(set) var usage: TokenUsage?
    /// Bytes of answer seen, for an estimate when the provider reports no usage.
    private(set) var dataBytes = 0
    private(set) var retries = 0
    private(set) var failure: Failure?

    /// An attempt goes out (a retry starts over: only the last attempt's answer counts).
    mutating func sending() {
        sent = true
        status = nil
        usage = nil
        dataBytes = 0
    }

    mutating func responded(status: Int, at instant: ContinuousClock.Instant = .now) {
        self.status = status
        firstByte = firstByte ?? instant
    }

    mutating func measured(usage: TokenUsage?, dataBytes: Int) {
        self.usage = usage
        self.dataBytes = dataBytes
    }

    /// An attempt's answer (a 429 or 5xx) or failure was put aside for a retry: until the next
    /// ``sending()``, nothing is in flight (a client that leaves now left nothing to pay for).
    mutating func retried() {
        retries += 1
        sent = false
    }

    mutating func failed(_ failure: Failure) {
        if self.failure == nil { self.failure = failure }
    }

    var outcome: CallOutcome {
        switch failure {
        case nil:
            guard let status else { return .notSent(status: 502) }
            return .answered(status: status, usage: usage)
        case .beforeSending(let status)?:
            return .notSent(status: status)
        case .clientLeft?:
            return sent ? .interrupted(status: 499, usage: usage) : .notSent(status: 499)
        case .unreachable?:
            return status == nil ? .unreachable : .interrupted(status: 502, usage: usage)
        case .timedOut?:
            return .timedOut(usage: usage)
        case .broken?:
            return .interrupted(status: 502, usage: usage)
        }
    }
}
