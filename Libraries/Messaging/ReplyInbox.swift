@preconcurrency import Dispatch
import HeapModule
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One wildcard subscription (`<prefix>.<random>.>`) carrying the replies of every request a
/// connection makes, so a request costs one publish and no subscribe. Waiters are keyed by
/// the last subject token; a timer on a private queue fails the ones whose deadline passed. The
/// timer is armed for the earliest deadline of a waiter still waiting, and for nothing when none
/// is: a request answered in a millisecond costs no wake-up at its 30-second deadline, and a busy
/// connection's process is woken about once per timeout, not at a fixed tick (a 10 ms tick while
/// anything was pending woke every service 100 times a second under load).
///
/// Three channels share the token space, told apart by the subject so that NATS permissions can
/// tell them apart too (docs/messaging.md, "Inboxes and permissions"):
/// - `<root><token>`: a reply, which a responder publishes through the server's `allow_responses`;
/// - `<root>s.<token>`: the second and later messages of a streamed reply (a narrow grant);
/// - `<root>c.<token>`: a requester's cancel of a stream this connection answers (a narrow grant).
/// A message on a channel its waiter does not listen on is dropped, so a peer allowed to publish
/// stream messages or cancels cannot answer a plain request.
final class ReplyInbox: Sendable {
    /// Who waits on a reply subject.
    enum Waiter: Sendable {
        /// A plain request: one reply ends it.
        case single(CheckedContinuation<NatsMessage, any Error>)
        /// A streamed reply: every message (first on the reply channel, then on the stream
        /// channel) is handed on until the waiter is removed.
        case stream(any StreamWaiter, idle: UInt64?)
        /// A stream this connection answers: `fire` runs when the requester cancels.
        case cancel(fire: @Sendable () -> Void)
        /// One of many requests answered together: one reply ends it.
        case member(ReplyBatch, index: Int)

        func listens(on channel: Channel) -> Bool {
            switch (self, channel) {
            case (.single, .reply), (.stream, .reply), (.stream, .stream), (.cancel, .cancel), (.member, .reply): true
            default: false
            }
        }
    }

    enum Channel { case reply, stream, cancel }

    private struct Entry {
        var waiter: Waiter
        /// When the waiter times out (a stream's moves on with each message).
        var deadline: UInt64
        /// The heap entry that stands for this waiter; older ones for it are stale.
        var scheduled: UInt64
    }

    private struct Deadline: Comparable {
        var at: UInt64
        var token: UInt64
        static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.at < rhs.at }
    }

    private struct State {
        /// Random tokens drawn ahead, so a request costs no system call for its token.
        var randomTokens: [UInt64] = []
        var entries: [UInt64: Entry] = [:]
        /// Deadlines of waiters, and stale ones of waiters answered since (dropped when they reach
        /// the top: a heap cannot remove from the middle).
        var deadlines = Heap<Deadline>()
        /// The instant the timer is armed for; nil when it is not.
        var armedAt: UInt64?
        var closed = false
    }

    /// `<inbox prefix>.<random>.`: every subject of this connection's inbox starts with it.
    let root: String
    private let state = Mutex(State())
    /// Armed for the earliest deadline that may still fall due (`State.armedAt`).
    private let timer = DeadlineTimer(label: "messaging.inbox-timer", leeway: .milliseconds(5))

    /// `prefix`: the connection's inbox prefix (`_INBOX`, or `_INBOX.<service>` where NATS
    /// permissions give each service its own).
    init(prefix: String = "_INBOX") {
        root = "\(prefix).\(Self.randomToken())."
        timer.onFire { [weak self] in self?.expire(now: DispatchTime.now().uptimeNanoseconds) }
    }

    /// The instant the timer is armed for (for tests).
    var armedAt: UInt64? { state.withLock { $0.armedAt } }

    /// Adds a deadline, arming the timer for it if it is the earliest.
    private func schedule(_ deadline: Deadline, _ state: inout State) {
        Self.dropStale(&state)
        state.deadlines.insert(deadline)
        if deadline.at < state.armedAt ?? .max { arm(deadline.at, &state) }
    }

    /// Drops the deadlines at the top of the heap whose waiters are gone (answered) or were
    /// rescheduled: each is dropped once, and the top is a deadline that may still fall due.
    private static func dropStale(_ state: inout State) {
        while let first = state.deadlines.min, state.entries[first.token]?.scheduled != first.at {
            _ = state.deadlines.removeMin()
        }
    }

    /// Arms the timer for `instant`, or disarms it (nil).
    private func arm(_ instant: UInt64?, _ state: inout State) {
        state.armedAt = instant
        if let instant { timer.arm(at: instant) } else { timer.disarm() }
    }

    var wildcardSubject: String { root + ">" }

    /// A random token no waiter holds: reply subjects cannot be guessed, so a peer allowed to
    /// publish into this inbox (the stream and cancel grants, a responder's grant on its
    /// requesters' inboxes) reaches only the waiters whose subjects it was given.
    func makeToken() -> UInt64 {
        state.withLock { state in
            while true {
                if state.randomTokens.isEmpty { state.randomTokens = Self.randomTokens(64) }
                let token = state.randomTokens.removeLast()
                if state.entries[token] == nil { return token }
            }
        }
    }

    /// `count` tokens from the kernel's CSPRNG in one call (glibc 2.36's `arc4random_buf` makes a
    /// `getrandom` call per draw: one for 64 tokens).
    private static func randomTokens(_ count: Int) -> [UInt64] {
        var tokens = [UInt64](repeating: 0, count: count)
        tokens.withUnsafeMutableBytes { buffer in arc4random_buf(buffer.baseAddress!, buffer.count) }
        return tokens
    }

    /// Where a plain reply (or a stream's first message) goes.
    func subject(for token: UInt64) -> String {
        root + String(token, radix: 36)
    }

    /// Where a streamed reply's later messages go.
    func streamSubject(for token: UInt64) -> String {
        root + "s." + String(token, radix: 36)
    }

    /// Where a requester cancels a stream this connection answers.
    func cancelSubject(for token: UInt64) -> String {
        root + "c." + String(token, radix: 36)
    }

    /// Registers a waiter (`timeout` nil: until removed); fails it at once if the inbox is closed.
    func register(_ token: UInt64, _ waiter: Waiter, timeout: Duration?) {
        let deadline = timeout.map { DispatchTime.now().uptimeNanoseconds &+ UInt64(max($0.nanoseconds, 0)) }
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.entries[token] = Entry(waiter: waiter, deadline: deadline ?? .max, scheduled: deadline ?? .max)
            if let deadline { schedule(Deadline(at: deadline, token: token), &state) }
            return true
        }
        if !accepted { Self.fail(waiter, .connectionClosed) }
    }

    /// Removes a waiter and fails it with `error`; nothing happens if it already finished.
    func fail(_ token: UInt64, _ error: any Error) {
        guard let entry = state.withLock({ $0.entries.removeValue(forKey: token) }) else { return }
        switch entry.waiter {
        case .single(let continuation): continuation.resume(throwing: error)
        case .stream(let waiter, _): waiter.fail(error)
        case .member(let batch, let index):
            batch.set(index, .failure(error as? NatsError ?? NatsError(.client, "\(error)")))
        case .cancel: break
        }
    }

    /// Removes a stream waiter without telling it anything.
    func remove(_ token: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: token) }
    }

    /// The channel and token of a subject of this inbox.
    func address(of subject: String) -> (Channel, UInt64)? {
        guard subject.hasPrefix(root) else { return nil }
        var rest = subject.utf8.dropFirst(root.utf8.count)
        var channel = Channel.reply
        if rest.count > 2, rest[rest.index(after: rest.startIndex)] == UInt8(ascii: ".") {
            switch rest.first {
            case UInt8(ascii: "s"): channel = .stream
            case UInt8(ascii: "c"): channel = .cancel
            default: return nil
            }
            rest = rest.dropFirst(2)
        }
        guard let token = UInt64(Substring(rest), radix: 36) else { return nil }
        return (channel, token)
    }

    /// Called on the inbox subscription's delivery thread.
    func deliver(_ message: NatsMessage) {
        guard let (channel, token) = address(of: message.subject) else { return }
        let waiter = state.withLock { state -> Waiter? in
            guard var entry = state.entries[token], entry.waiter.listens(on: channel) else { return nil }
            switch entry.waiter {
            case .single, .member:
                state.entries[token] = nil
            case .stream(_, let idle?):
                entry.deadline = DispatchTime.now().uptimeNanoseconds &+ idle
                if entry.deadline < entry.scheduled {
                    entry.scheduled = entry.deadline
                    schedule(Deadline(at: entry.deadline, token: token), &state)
                }
                state.entries[token] = entry
            case .stream, .cancel:
                break
            }
            return entry.waiter
        }
        switch waiter {
        case .single(let continuation)?:
            if message.isNoResponders {
                continuation.resume(throwing: NatsError.noResponders)
            } else {
                continuation.resume(returning: message)
            }
        case .stream(let waiter, _)?:
            if message.isNoResponders {
                remove(token)
                waiter.fail(NatsError.noResponders)
            } else {
                waiter.deliver(message)
            }
        case .cancel(let fire)?:
            fire()
        case .member(let batch, let index)?:
            batch.set(index, message.isNoResponders ? .failure(.noResponders) : .success(message))
        case nil:
            break
        }
    }

    /// Fails every waiter for a reply with `error` (the connection dropped); the inbox stays open,
    /// and the streams this connection answers keep listening for their cancels. The waiters are
    /// taken at once and told on a Dispatch thread: this runs on libnats's callback thread, which a
    /// waiter's code (a stream publishing its cancel) must not hold up.
    func failAll(_ error: NatsError) {
        let waiters = state.withLock { state -> [Waiter] in
            var failed: [Waiter] = []
            for (token, entry) in state.entries {
                if case .cancel = entry.waiter { continue }
                state.entries[token] = nil
                failed.append(entry.waiter)
            }
            return failed
        }
        guard !waiters.isEmpty else { return }
        DispatchQueue.global().async { for waiter in waiters { Self.fail(waiter, error) } }
    }

    /// Fails every waiter: the connection is gone.
    func close() {
        let entries = state.withLock { state in
            state.closed = true
            defer { state.entries = [:] }
            return state.entries
        }
        for entry in entries.values { Self.fail(entry.waiter, .connectionClosed) }
    }

    private func expire(now: UInt64) {
        var expired: [Waiter] = []
        state.withLock { state in
            while let first = state.deadlines.min, first.at <= now {
                _ = state.deadlines.removeMin()
                guard var entry = state.entries[first.token], entry.scheduled == first.at else { continue }
                if entry.deadline > now {
                    // A stream that saw traffic since: wait until its new idle deadline.
                    entry.scheduled = entry.deadline
                    state.entries[first.token] = entry
                    state.deadlines.insert(Deadline(at: entry.deadline, token: first.token))
                } else {
                    state.entries[first.token] = nil
                    expired.append(entry.waiter)
                }
            }
            Self.dropStale(&state)
            arm(state.deadlines.min?.at, &state)
        }
        for waiter in expired { Self.fail(waiter, .timeout) }
    }

    private static func fail(_ waiter: Waiter, _ error: NatsError) {
        switch waiter {
        case .single(let continuation): continuation.resume(throwing: error)
        case .stream(let waiter, _): waiter.fail(error)
        case .member(let batch, let index): batch.set(index, .failure(error))
        case .cancel: break
        }
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        return String(
            decoding: (0..<22).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }, as: UTF8.self)
    }
}

/// Who takes a streamed reply's messages (``StreamReceiver``).
protocol StreamWaiter: AnyObject, Sendable {
    /// A message on the reply's channels (on a delivery thread).
    func deliver(_ message: NatsMessage)
    /// The reply failed (timed out, no responders, connection lost).
    func fail(_ error: any Error)
}

/// The replies to requests sent together (``NatsConnection/requests(_:timeout:)``): each
/// member's outcome in order, and one wait for them all.
final class ReplyBatch: Sendable {
    private struct State {
        var outcomes: [Result<NatsMessage, NatsError>?]
        var remaining: Int
        var waiter: CheckedContinuation<[Result<NatsMessage, NatsError>], Never>?
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(outcomes: Array(repeating: nil, count: count), remaining: count))
    }

    /// A member's outcome (only its first counts).
    func set(_ index: Int, _ outcome: Result<NatsMessage, NatsError>) {
        let done = state.withLock {
            state -> (CheckedContinuation<[Result<NatsMessage, NatsError>], Never>, [Result<NatsMessage, NatsError>])?
            in
            guard state.outcomes[index] == nil else { return nil }
            state.outcomes[index] = outcome
            state.remaining -= 1
            guard state.remaining == 0, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.outcomes.map { $0! })
        }
        if let (waiter, outcomes) = done { waiter.resume(returning: outcomes) }
    }

    /// Every member's outcome, once each has one.
    func outcomes() async -> [Result<NatsMessage, NatsError>] {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> [Result<NatsMessage, NatsError>]? in
                guard state.remaining > 0 else { return state.outcomes.map { $0! } }
                state.waiter = continuation
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }
}
