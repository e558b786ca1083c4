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
                inbox.register(token, .single(continuation), timeout: timeout)
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
        } onCancel: {
            inbox.fail(token, CancellationError())
        }
        if let error = ServiceError(headers: reply.headers) { throw error }
        return reply
    }
}
