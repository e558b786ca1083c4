import DequeModule
import Foundation
import Logging
import Synchronization

/// Headers of the streamed-reply protocol: many messages to one requester.
///
/// The requester names in `Nats-Stream-Reply` where the second and later messages go: the
/// sibling `<inbox>.s.<token>` of its reply subject `<inbox>.<token>` (the first message goes to
/// the reply subject itself, through the server's `allow_responses`, and the rest through a grant
/// on the stream channel only; see docs/messaging.md). The responder numbers its messages from 1
/// (`Nats-Stream-Seq`), names in the first one a subject where it listens for a cancel
/// (`Nats-Stream-Cancel`), and ends with a message carrying `Nats-Stream-End: 1` (plus a
/// ``ServiceError`` in its headers when it failed). A request without `Nats-Stream-Reply` gets
/// every message on its reply subject (what requesters before this header expect).
///
/// A requester may ask for heartbeats (`Nats-Stream-Heartbeat: <milliseconds>` on the request,
/// with a stream channel): a responder that knows them says so on its first message (the same
/// header, its interval) and sends a message with `Nats-Stream-Heartbeat: beat` and no number on
/// the stream channel whenever it has sent nothing for the interval. A responder that does not
/// know them ignores the header, so a requester trusts a short silence timeout only once it has
/// seen responders announce them (see ``Heartbeats``).
public enum StreamHeader {
    public static let sequence = "Nats-Stream-Seq"
    public static let end = "Nats-Stream-End"
    public static let cancel = "Nats-Stream-Cancel"
    public static let reply = "Nats-Stream-Reply"
    public static let heartbeat = "Nats-Stream-Heartbeat"

    /// A heartbeat's headers.
    static let beat: MessageHeaders = [heartbeat: "beat"]

    /// Whether `subject` is the stream channel that goes with a reply subject: `a.b.<token>` →
    /// `a.b.s.<token>`. Compared in place (building the channel's name took ~1 µs of each answer).
    static func isStreamSubject(_ subject: String, of replyTo: String) -> Bool {
        let reply = replyTo.utf8, named = subject.utf8
        guard let dot = reply.lastIndex(of: UInt8(ascii: ".")) else { return false }
        let (head, tail) = (reply[..<dot], reply[dot...])
        return named.count == head.count + 2 + tail.count && named.starts(with: head)
            && named.dropFirst(head.count).starts(with: ".s".utf8) && named.suffix(tail.count).elementsEqual(tail)
    }
}

extension NatsMessage {
    /// True for the last message of a streamed reply.
    public var isEndOfStream: Bool { headers[StreamHeader.end] == "1" }

    /// Whether the reply subject is an inbox (`_INBOX.…`). Services answer nowhere else: a
    /// requester cannot make a responder publish its answer on another subject the responder
    /// may publish to (an event subject, say).
    public var repliesToInbox: Bool { replyTo.map(Self.isInbox) ?? false }

    /// `_INBOX.…`: where answers and cancels may go.
    static func isInbox(_ subject: String) -> Bool { subject.hasPrefix("_INBOX.") }
}

/// The answer to a streamed request: its first message (the head, which carries what the
/// responder says of the whole answer) and the messages after it. Iterating it yields the head
/// and then the rest.
public struct StreamedReply: AsyncSequence, Sendable {
    public let head: NatsMessage
    /// The messages after the head, in order, the end marker included (none when the head is
    /// the end marker). It throws what ``NatsConnection/streamRequest(_:payload:headers:firstTimeout:idleTimeout:heartbeat:bufferSize:)``
    /// says; cancelling its iteration, or ``stop()``, tells the responder to stop.
    public let rest: Rest
    let receiver: StreamReceiver

    /// Tells the responder to stop (a client that went away): the rest ends after what it holds.
    public func stop() {
        receiver.stop()
    }

    /// The messages after the head.
    public struct Rest: AsyncSequence, Sendable {
        let receiver: StreamReceiver

        public struct AsyncIterator: AsyncIteratorProtocol {
            let iteration: Iteration

            public mutating func next() async throws -> NatsMessage? {
                try await iteration.receiver.next()
            }
        }

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(iteration: Iteration(receiver: receiver))
        }

        /// An iteration that is given up (a `break` out of the loop, an error thrown in it) stops
        /// the stream, as a cancelled one does; after the end this changes nothing.
        final class Iteration: Sendable {
            let receiver: StreamReceiver

            init(receiver: StreamReceiver) {
                self.receiver = receiver
            }

            deinit {
                receiver.stop()
            }
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var head: NatsMessage?
        var rest: Rest.AsyncIterator

        public mutating func next() async throws -> NatsMessage? {
            if let head {
                self.head = nil
                return head
            }
            return try await rest.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(head: head, rest: rest.makeAsyncIterator())
    }
}

extension NatsConnection {
    /// Sends a request whose reply is a stream of messages, and returns when its first message
    /// came: the ``StreamedReply`` holds it and the rest.
    ///
    /// It throws ``NatsError`` `.noResponders`, `.timeout` (nothing within `firstTimeout`, or
    /// later a gap longer than `idleTimeout`), `.streamInterrupted` (a message lost), or the
    /// ``ServiceError`` the end marker carries; the rest throws the same once the head came. A
    /// task cancelled while it waits for the head, or while it iterates the rest, and
    /// ``StreamedReply/stop()``, tell the responder to stop. With `heartbeat`, a responder that
    /// knows heartbeats sends one after that much silence and each moves the deadline like a
    /// message: the timeouts can then be a few heartbeats long, however slow the answer.
    public func streamRequest(
        _ subject: String, payload: some ContiguousBytes = [UInt8](), headers: MessageHeaders = [:],
        firstTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(60), heartbeat: Duration? = nil,
        bufferSize: Int = 1024
    ) async throws -> StreamedReply {
        let token = inbox.makeToken()
        let receiver = StreamReceiver(connection: self, token: token, bufferSize: bufferSize)
        var headers = headers
        headers[StreamHeader.reply] = inbox.streamSubject(for: token)
        if let heartbeat { headers[StreamHeader.heartbeat] = String(heartbeat.milliseconds) }
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<NatsMessage, any Error>) in
                receiver.waitForHead(continuation)
                send(
                    subject, payload: payload, headers: headers, token: token,
                    waiter: .stream(receiver, idle: UInt64(max(idleTimeout.nanoseconds, 0))), timeout: firstTimeout)
            }
        } onCancel: {
            receiver.fail(CancellationError())
        }
        return StreamedReply(head: head, rest: .init(receiver: receiver), receiver: receiver)
    }

    /// A cancel goes only to an inbox: a responder cannot make the requester publish elsewhere.
    fileprivate func publishCancel(_ subject: String) {
        if NatsMessage.isInbox(subject) { try? publish(subject) }
    }

    /// Answers a streamed request: runs `body` with a writer, in the calling task, and ends the
    /// stream when `body` returns (or with its ``ServiceError`` when it throws one). When the
    /// requester cancels, the calling task is cancelled (so the caller ends that task, or stops
    /// using it, once this returns: ``MicroService``'s worker then makes way for a fresh one);
    /// with `cancelsHandler: false` it is not, and `body` watches
    /// ``StreamWriter/waitForCancellation()`` itself (to finish work of its own first). Returns the
    /// error the stream ended with, if any (for the endpoint's statistics).
    @discardableResult
    func respondStream(
        to request: NatsMessage, cancelsHandler: Bool = true,
        _ body: @escaping @Sendable (StreamWriter) async throws -> Void
    ) async -> ServiceError? {
        guard let replyTo = request.replyTo, request.repliesToInbox else { return nil }
        // The stream channel the requester named, if it is its reply subject's sibling.
        let streamTo = request.headers[StreamHeader.reply].flatMap { named in
            StreamHeader.isStreamSubject(named, of: replyTo) ? named : nil
        }
        // Heartbeats, if the requester asked for them and named a stream channel to carry them.
        let heartbeat = streamTo.flatMap { streamTo in
            request.headers[StreamHeader.heartbeat].flatMap(Int.init).map { asked in
                let interval = min(max(asked, Heartbeats.intervals.lowerBound), Heartbeats.intervals.upperBound)
                return (id: heartbeats.start(subject: streamTo, interval: .milliseconds(interval)), interval: interval)
            }
        }
        defer { if let heartbeat { heartbeats.stop(heartbeat.id) } }
        let canceller = cancelsHandler ? TaskCanceller() : nil
        let writer = StreamWriter(
            connection: self, replyTo: replyTo, streamTo: streamTo ?? replyTo, canceller: canceller,
            heartbeat: heartbeat)
        defer { writer.stopListening() }

        let outcome: StreamOutcome
        do {
            try await body(writer)
            outcome = .finished
        } catch let error as ServiceError {
            outcome = .failed(error)
        } catch is CancellationError {
            outcome = .cancelled
        } catch {
            logger.error("stream handler failed: \(error)", metadata: ["nats.subject": "\(request.subject)"])
            outcome = .failed(.internalError)
        }
        // A requester that cancelled first hears nothing more, whatever the handler ended with.
        let cancelled = canceller?.disarm() ?? false
        writer.ended()
        switch outcome {
        case .finished where !cancelled:
            try? writer.finish()
            return nil
        case .failed(let error) where !cancelled:
            try? writer.finish(error: error)
            return error
        default:
            return nil
        }
    }
}

/// Cancels the task that created it when the requester of the stream it serves cancels, until
/// disarmed (the task must not be touched once the stream is over).
final class TaskCanceller: @unchecked Sendable {
    private struct State {
        var task: UnsafeCurrentTask?
        var fired = false
    }

    /// Guards `state`, which holds the task (not `Sendable`): it is cancelled under the lock, and
    /// dropped under it before the task goes on.
    private let lock = Mutex(())
    private var state: State

    init() {
        state = State(task: withUnsafeCurrentTask { $0 })
    }

    func fire() {
        lock.withLock { _ in
            state.fired = true
            state.task?.cancel()
        }
    }

    /// Stops cancelling; returns whether it did.
    func disarm() -> Bool {
        lock.withLock { _ in
            state.task = nil
            return state.fired
        }
    }
}

private enum StreamOutcome: Sendable {
    case finished, cancelled
    case failed(ServiceError)
}

/// Sends the messages of one streamed reply: the first to the request's reply subject, the
/// rest to its stream channel.
///
/// A reply whose first message is also its last (a whole answer at once, an error) names no
/// cancel subject: the requester has nothing left to cancel, and the responder listens for none.
/// Otherwise the writer starts listening for the requester's cancel before the first message goes.
public final class StreamWriter: Sendable {
    private struct State {
        var sequence = 0
        var ended = false
        /// The inbox token of the cancel subject, once the writer listens on it.
        var listening: UInt64?
    }

    private let connection: NatsConnection
    private let replyTo: String
    private let streamTo: String
    private let state = Mutex(State())
    /// Set when the requester cancels or the stream is over.
    private let cancellation = OneShot<Void>()
    private let canceller: TaskCanceller?
    /// The stream's entry in its connection's ``Heartbeats`` and their interval in milliseconds.
    private let heartbeat: (id: UInt64, interval: Int)?

    init(
        connection: NatsConnection, replyTo: String, streamTo: String, canceller: TaskCanceller?,
        heartbeat: (id: UInt64, interval: Int)?
    ) {
        self.connection = connection
        self.replyTo = replyTo
        self.streamTo = streamTo
        self.canceller = canceller
        self.heartbeat = heartbeat
    }

    /// The handler is done: a waiter for the cancellation stops waiting.
    func ended() {
        cancellation.set(())
    }

    /// Stops listening for the requester's cancel (the stream is over).
    func stopListening() {
        if let token = state.withLock({ $0.listening }) { connection.inbox.remove(token) }
    }

    /// True once the requester has cancelled (or the stream ended).
    public var isCancelled: Bool { cancellation.isSet }

    /// Returns when the requester cancels (or the stream ends).
    public func waitForCancellation() async {
        await cancellation.wait()
    }

    /// Sends one message of the stream.
    public func send(_ payload: some ContiguousBytes, headers: MessageHeaders = [:]) throws(NatsError) {
        try write(payload, headers: headers, end: false)
    }

    /// Ends the stream; later sends are ignored.
    public func finish(_ payload: some ContiguousBytes = [UInt8](), headers: MessageHeaders = [:]) throws(NatsError) {
        try write(payload, headers: headers, end: true)
    }

    /// Ends the stream with an error the requester will throw.
    public func finish(error: ServiceError) throws(NatsError) {
        try write([UInt8](), headers: error.headers, end: true)
    }

    private func write(_ payload: some ContiguousBytes, headers: MessageHeaders, end: Bool) throws(NatsError) {
        let sequence = state.withLock { state -> Int? in
            guard !state.ended else { return nil }
            state.sequence += 1
            state.ended = end
            return state.sequence
        }
        guard let sequence else { return }
        var headers = headers
        headers[StreamHeader.sequence] = String(sequence)
        if sequence == 1 {
            if !end {
                let token = connection.inbox.makeToken()
                let (cancellation, canceller) = (cancellation, canceller)
                connection.inbox.register(
                    token,
                    .cancel(fire: {
                        cancellation.set(())
                        canceller?.fire()
                    }), timeout: nil)
                state.withLock { $0.listening = token }
                headers[StreamHeader.cancel] = connection.inbox.cancelSubject(for: token)
            }
            if let heartbeat { headers[StreamHeader.heartbeat] = String(heartbeat.interval) }
        }
        if end { headers[StreamHeader.end] = "1" }
        if let heartbeat { connection.heartbeats.wrote(heartbeat.id) }
        try connection.publish(sequence == 1 ? replyTo : streamTo, payload: payload, headers: headers)
    }
}

/// The requester's side of one streamed reply: the inbox hands it every message on the reply's
/// channels; it checks their numbers, hands the head to the task waiting for it and keeps the rest
/// (up to `bufferSize`) for its iterator, and tells the responder to stop when asked to.
final class StreamReceiver: StreamWaiter {
    private enum Head {
        /// Not come yet; the task waiting for it, once it waits.
        case pending(CheckedContinuation<NatsMessage, any Error>?)
        /// Came (or the stream ended) before its task waited: told when it does (a task cancelled
        /// already when it asked has its cancel handler run first).
        case ready(Result<NatsMessage, any Error>)
        case told
    }

    private enum Ending {
        case open
        case finished
        case failed(any Error)
    }

    private struct State {
        /// The number the next message must carry.
        var expected = 1
        /// Where the responder listens for a cancel, once it said so.
        var cancelSubject: String?
        var cancelRequested = false
        var cancelSent = false
        var head = Head.pending(nil)
        /// The messages after the head not yet taken, and the task waiting for the next one.
        var buffer = Deque<NatsMessage>()
        var restWaiter: CheckedContinuation<NatsMessage?, any Error>?
        /// How the rest ends once its buffer is taken.
        var ending = Ending.open
        /// Whether the inbox still hands messages here.
        var listening = true
    }

    /// What to do once the lock is released.
    private struct Effects {
        var head: (CheckedContinuation<NatsMessage, any Error>, Result<NatsMessage, any Error>)?
        var rest: (CheckedContinuation<NatsMessage?, any Error>, Result<NatsMessage?, any Error>)?
        var cancel: String?
        var stopListening = false
    }

    private let connection: NatsConnection
    private let token: UInt64
    private let bufferSize: Int
    private let state = Mutex(State())

    init(connection: NatsConnection, token: UInt64, bufferSize: Int) {
        self.connection = connection
        self.token = token
        self.bufferSize = bufferSize
    }

    func waitForHead(_ continuation: CheckedContinuation<NatsMessage, any Error>) {
        let ready = state.withLock { state -> Result<NatsMessage, any Error>? in
            guard case .ready(let result) = state.head else {
                state.head = .pending(continuation)
                return nil
            }
            state.head = .told
            return result
        }
        if let ready { continuation.resume(with: ready) }
    }

    /// A message on the reply's channels (called by the inbox, on a delivery thread).
    func deliver(_ message: NatsMessage) {
        let sequence = message.headers[StreamHeader.sequence].flatMap { Int($0) }
        // A heartbeat only kept the stream's deadline moving (ReplyInbox).
        if sequence == nil, message.headers[StreamHeader.heartbeat] == "beat" { return }
        let isEnd = message.isEndOfStream
        let effects = state.withLock { state -> Effects in
            var effects = Effects()
            if state.cancelSubject == nil, let cancel = message.headers[StreamHeader.cancel] {
                state.cancelSubject = cancel
            }
            if state.cancelRequested {
                // Stopped before the responder named where to cancel: this message names it (or
                // ends the stream, leaving nothing to cancel).
                if !state.cancelSent, let subject = state.cancelSubject {
                    state.cancelSent = true
                    effects.cancel = subject
                    effects.stopListening = Self.stopListening(&state)
                } else if isEnd {
                    effects.stopListening = Self.stopListening(&state)
                }
                return effects
            }
            guard sequence == state.expected else {
                let error = NatsError(.streamInterrupted, "stream message \(state.expected) never arrived")
                Self.end(&state, .failed(error), tellResponder: true, &effects)
                return effects
            }
            state.expected += 1
            if isEnd, let error = ServiceError(headers: message.headers) {
                Self.end(&state, .failed(error), tellResponder: false, &effects)
                return effects
            }
            if case .pending = state.head {
                Self.tellHead(.success(message), &state, &effects)
            } else if let waiter = state.restWaiter.take() {
                effects.rest = (waiter, .success(message))
            } else if state.buffer.count < bufferSize {
                state.buffer.append(message)
            } else {
                let error = NatsError(.streamInterrupted, "stream consumer fell behind")
                Self.end(&state, .failed(error), tellResponder: true, &effects)
                return effects
            }
            if isEnd { Self.end(&state, .finished, tellResponder: false, &effects) }
            return effects
        }
        perform(effects)
    }

    /// The stream failed (timeout, no responders, connection lost, a task cancelled before the
    /// head): the head's failure if it has not come, else the rest's.
    func fail(_ error: any Error) {
        end(.failed(error))
    }

    /// The requester stops: the rest ends after what it holds.
    func stop() {
        end(.finished)
    }

    /// Ends the stream from the requester's side, telling the responder to stop.
    private func end(_ ending: Ending) {
        let effects = state.withLock { state -> Effects in
            var effects = Effects()
            Self.end(&state, ending, tellResponder: true, &effects)
            return effects
        }
        perform(effects)
    }

    /// The next message after the head; nil once the rest ended (it throws its failure once).
    /// An iterating task that is cancelled ends the rest, and tells the responder to stop.
    func next() async throws -> NatsMessage? {
        if let ready = state.withLock({ Self.take(&$0) }) { return try ready.get() }
        if Task.isCancelled {
            stop()
            return nil
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<NatsMessage?, any Error>) in
                // A cancel since the check above has ended the rest: take() says so.
                let ready = state.withLock { state -> Result<NatsMessage?, any Error>? in
                    if let ready = Self.take(&state) { return ready }
                    state.restWaiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            stop()
        }
    }

    /// A buffered message, or the rest's end (told once; nil after), or nil to wait.
    private static func take(_ state: inout State) -> Result<NatsMessage?, any Error>? {
        if let message = state.buffer.popFirst() { return .success(message) }
        switch state.ending {
        case .open:
            return nil
        case .finished:
            return .success(nil)
        case .failed(let error):
            state.ending = .finished
            return .failure(error)
        }
    }

    /// Ends the stream (the first ending counts): tells the head's waiter if the head has not
    /// come, else the rest's. With `tellResponder` (a failure, a gap, a requester that stops) the
    /// responder is told to stop: at once if it named where, else when a message names it.
    private static func end(_ state: inout State, _ ending: Ending, tellResponder: Bool, _ effects: inout Effects) {
        guard case .open = state.ending else { return }
        if case .pending = state.head {
            let error: any Error = if case .failed(let error) = ending { error } else { CancellationError() }
            tellHead(.failure(error), &state, &effects)
            state.ending = .finished
        } else {
            state.ending = ending
            if let waiter = state.restWaiter.take(), let result = take(&state) { effects.rest = (waiter, result) }
        }
        guard tellResponder else {
            effects.stopListening = stopListening(&state)
            return
        }
        state.cancelRequested = true
        if let subject = state.cancelSubject, !state.cancelSent {
            state.cancelSent = true
            effects.cancel = subject
            effects.stopListening = stopListening(&state)
        }
    }

    /// The head's outcome, to its waiter or kept for it.
    private static func tellHead(
        _ result: Result<NatsMessage, any Error>, _ state: inout State, _ effects: inout Effects
    ) {
        guard case .pending(let waiter) = state.head else { return }
        if let waiter {
            effects.head = (waiter, result)
            state.head = .told
        } else {
            state.head = .ready(result)
        }
    }

    /// Stops listening; true the first time.
    private static func stopListening(_ state: inout State) -> Bool {
        defer { state.listening = false }
        return state.listening
    }

    private func perform(_ effects: Effects) {
        if effects.stopListening { connection.inbox.remove(token) }
        if let subject = effects.cancel { connection.publishCancel(subject) }
        if let (waiter, result) = effects.head { waiter.resume(with: result) }
        if let (waiter, result) = effects.rest { waiter.resume(with: result) }
    }
}
