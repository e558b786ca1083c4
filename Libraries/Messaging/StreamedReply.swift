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

    /// The stream channel that goes with a reply subject: `a.b.<token>` → `a.b.s.<token>`.
    static func streamSubject(replyTo: String) -> String? {
        guard let dot = replyTo.lastIndex(of: ".") else { return nil }
        return replyTo[..<dot] + ".s" + replyTo[dot...]
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
    /// the end marker). It throws what ``NatsConnection/streamRequest(_:payload:headers:firstTimeout:idleTimeout:bufferSize:)``
    /// says; cancelling its iteration, or ``stop()``, tells the responder to stop.
    public let rest: AsyncThrowingStream<NatsMessage, any Error>
    let cancel: @Sendable () -> Void

    /// Tells the responder to stop (a client that went away): the rest ends.
    public func stop() {
        cancel()
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var head: NatsMessage?
        var rest: AsyncThrowingStream<NatsMessage, any Error>.AsyncIterator

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
        let (rest, continuation) = AsyncThrowingStream.makeStream(
            of: NatsMessage.self, bufferingPolicy: .bufferingOldest(bufferSize))
        let head = OneShot<Result<NatsMessage, any Error>>()
        let token = inbox.makeToken()
        let progress = StreamProgress()
        let inbox = self.inbox

        /// The head's failure if it has not come, else the rest's.
        let finish: @Sendable ((any Error)?) -> Void = { error in
            if let error, head.set(.failure(error)) {
                continuation.finish()
            } else {
                continuation.finish(throwing: error)
            }
        }
        let deliver: @Sendable (NatsMessage) -> Void = { [weak self] message in
            switch progress.accept(message) {
            case .inOrder:
                if !head.set(.success(message)), case .dropped = continuation.yield(message) {
                    inbox.remove(token)
                    self?.cancelStream(progress)
                    finish(NatsError(.streamInterrupted, "stream consumer fell behind"))
                }
            case .end:
                inbox.remove(token)
                if let error = ServiceError(headers: message.headers) {
                    finish(error)
                } else {
                    if !head.set(.success(message)) { continuation.yield(message) }
                    finish(nil)
                }
            case .gap(let expected):
                inbox.remove(token)
                self?.cancelStream(progress)
                finish(NatsError(.streamInterrupted, "stream message \(expected) never arrived"))
            case .cancel(let subject):
                inbox.remove(token)
                self?.publishCancel(subject)
            case .ignore:
                break
            }
        }
        let fail: @Sendable (NatsError) -> Void = { [weak self] error in
            self?.cancelStream(progress)
            finish(error)
        }
        let cancel: @Sendable () -> Void = { [weak self] in
            // Keep listening until the responder says where to cancel, if it has not yet.
            if progress.requestCancel().map({ self?.publishCancel($0) }) != nil { inbox.remove(token) }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { cancel() }
        }

        inbox.register(
            token, .stream(deliver: deliver, fail: fail, idle: UInt64(idleTimeout.nanoseconds)), timeout: firstTimeout)
        var headers = headers
        headers[StreamHeader.reply] = inbox.streamSubject(for: token)
        if let heartbeat { headers[StreamHeader.heartbeat] = String(heartbeat.milliseconds) }
        do {
            try publish(subject, payload: payload, headers: headers, replyTo: inbox.subject(for: token))
        } catch {
            inbox.fail(token, error)
        }
        guard let first = await head.wait() else {
            cancel()
            throw CancellationError()
        }
        return StreamedReply(
            head: try first.get(), rest: rest,
            cancel: {
                cancel()
                continuation.finish()
            })
    }

    /// Tells the responder to stop, once, if it has said where to.
    private func cancelStream(_ progress: StreamProgress) {
        guard let subject = progress.requestCancel() else { return }
        publishCancel(subject)
    }

    /// A cancel goes only to an inbox: a responder cannot make the requester publish elsewhere.
    private func publishCancel(_ subject: String) {
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
            StreamHeader.streamSubject(replyTo: replyTo) == named ? named : nil
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

/// The requester's view of a stream: the next expected number and where to cancel.
final class StreamProgress: Sendable {
    enum Verdict { case inOrder, end, gap(expected: Int), cancel(subject: String), ignore }

    private struct State {
        var expected = 1
        var cancelSubject: String?
        var cancelRequested = false
        var cancelSent = false
    }

    private let state = Mutex(State())

    func accept(_ message: NatsMessage) -> Verdict {
        let sequence = message.headers[StreamHeader.sequence].flatMap { Int($0) }
        // A heartbeat only kept the stream's deadline moving (ReplyInbox).
        if sequence == nil, message.headers[StreamHeader.heartbeat] == "beat" { return .ignore }
        return state.withLock { state in
            if state.cancelSubject == nil, let cancel = message.headers[StreamHeader.cancel] {
                state.cancelSubject = cancel
            }
            if state.cancelRequested {
                guard !state.cancelSent, let subject = state.cancelSubject else { return .ignore }
                state.cancelSent = true
                return .cancel(subject: subject)
            }
            guard sequence == state.expected else { return .gap(expected: state.expected) }
            state.expected += 1
            return message.isEndOfStream ? .end : .inOrder
        }
    }

    /// Asks for a cancel: the subject to publish to if it is known now (once only); otherwise
    /// the next message that names it triggers the cancel.
    func requestCancel() -> String? {
        state.withLock { state in
            state.cancelRequested = true
            guard !state.cancelSent, let subject = state.cancelSubject else { return nil }
            state.cancelSent = true
            return subject
        }
    }
}
