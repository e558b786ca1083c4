import Foundation
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

extension NatsConnection {
    /// How many messages `stream` holds on subjects matching `subject` (wildcards allowed), as the
    /// JetStream API's stream info tells (the connection must be allowed to ask: the operator).
    public func streamMessages(_ stream: String, subject: String) async throws -> Int {
        let reply = try await request(
            "$JS.API.STREAM.INFO.\(stream)", payload: Array(#"{"subjects_filter": "\#(subject)"}"#.utf8))
        let info = try JSONSerialization.jsonObject(with: Data(reply.payload)) as? [String: Any]
        let subjects = (info?["state"] as? [String: Any])?["subjects"] as? [String: Int] ?? [:]
        return subjects.values.reduce(0, +)
    }
}

extension Subscription {
    /// The next message, or nil when none came within `within` (a test's bound on a wait that
    /// would otherwise never end).
    public func next(within: Duration) async -> NatsMessage? {
        await withTaskGroup(of: NatsMessage?.self) { group in
            group.addTask { await self.next() }
            group.addTask {
                try? await Task.sleep(for: within)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
