import Messaging

extension NatsConnection {
    /// Publishes a request and gathers every reply that arrives within `window`
    /// (`$SRV.PING` is answered by every instance). The server's "no responders" status is not
    /// counted.
    public func collectReplies(_ subject: String, window: Duration = .milliseconds(500)) async throws -> [NatsMessage] {
        let inbox = newInbox()
        let subscription = try subscribe(inbox)
        try await flush()
        try publish(subject, replyTo: inbox)
        try await flush()
        try await Task.sleep(for: window)
        try subscription.unsubscribe()
        var replies: [NatsMessage] = []
        // With nobody listening the server answers "no responders" (status 503): not a reply.
        for await reply in subscription where !reply.isNoResponders { replies.append(reply) }
        return replies
    }
}

extension NatsConnection {
    /// Waits until the server has reported an asynchronous error containing `text` (a permissions
    /// violation comes back after the flush that carried it, on libnats's callback thread): true
    /// when it did within `looks` looks 10 ms apart.
    public func reportsError(containing text: String, looks: Int = 500) async throws -> Bool {
        try await flush()
        for _ in 0..<looks {
            if lastAsyncError?.contains(text) == true { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
