import Foundation

extension NatsConnection {
    /// Sends a request and waits for its reply.
    ///
    /// - Throws: ``NatsError`` `.noResponders` when no service listens (503), `.timeout` when
    ///   one listens but does not answer in time (504); ``ServiceError`` when the reply carries one;
    ///   `CancellationError` when the calling task is cancelled.
    public func request(
        _ subject: String, payload: some ContiguousBytes = [UInt8](), headers: MessageHeaders = [:],
        timeout: Duration = .seconds(5)
    ) async throws -> NatsMessage {
        let token = inbox.makeToken()
        let reply = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<NatsMessage, any Error>) in
                send(
                    subject, payload: payload, headers: headers, token: token, waiter: .single(continuation),
                    timeout: timeout)
            }
        } onCancel: {
            inbox.fail(token, CancellationError())
        }
        if let error = ServiceError(headers: reply.headers) { throw error }
        return reply
    }
}

extension NatsConnection {
    /// One message to send as a request.
    public struct Outgoing: Sendable {
        public var subject: String
        public var payload: [UInt8]
        public var headers: MessageHeaders

        public init(subject: String, payload: [UInt8], headers: MessageHeaders = [:]) {
            self.subject = subject
            self.payload = payload
            self.headers = headers
        }
    }

    /// Sends many requests at once and waits for all their replies: what ``request(_:payload:headers:timeout:)``
    /// gives each, in order, for one wait in all (no task per request). Each ends with its reply
    /// or its timeout; cancelling the waiting task does not shorten the wait.
    public func requests(_ batch: [Outgoing], timeout: Duration = .seconds(5)) async -> [Result<NatsMessage, any Error>]
    {
        guard !batch.isEmpty else { return [] }
        let replies = ReplyBatch(count: batch.count)
        for (index, outgoing) in batch.enumerated() {
            send(
                outgoing.subject, payload: outgoing.payload, headers: outgoing.headers, token: inbox.makeToken(),
                waiter: .member(replies, index: index), timeout: timeout)
        }
        return await replies.outcomes().map { outcome in
            switch outcome {
            case .success(let reply):
                if let error = ServiceError(headers: reply.headers) { return .failure(error) }
                return .success(reply)
            case .failure(let error):
                return .failure(error)
            }
        }
    }
}

extension NatsConnection {
    /// Sends a request whose answer `waiter` waits for under `token`: a task cancelled already, or
    /// a publish that fails, fails the waiter at once.
    func send(
        _ subject: String, payload: some ContiguousBytes, headers: MessageHeaders, token: UInt64,
        waiter: ReplyInbox.Waiter, timeout: Duration?
    ) {
        inbox.register(token, waiter, timeout: timeout)
        if Task.isCancelled {
            inbox.fail(token, CancellationError())
            return
        }
        do {
            try publish(subject, payload: payload, headers: headers, replyTo: inbox.subject(for: token))
        } catch {
            inbox.fail(token, error)
        }
    }
}
