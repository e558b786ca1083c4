import Messaging

extension NatsConnection {
    /// Publishes a request and gathers every reply that arrives within `window`
    /// (`$SRV.PING` is answered by every instance). The server's "no responders" status is not
    /// counted.
    public func collectReplies(_ subject: String, window: Duration = .milliseconds(500)) async throws -> [NatsMessage] {
        let inbox = "_INBOX.collect.\(MicroService.makeInstanceID())"
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
