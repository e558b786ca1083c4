/// How to reach NATS: several server URLs, credentials and reconnect behaviour.
public struct NatsConfiguration: Sendable {
    /// Server URLs (`nats://host:port`); the client picks among them and reconnects to any.
    public var servers: [String]
    public var user: String?
    public var password: String?
    /// The connection name shown by the server's monitoring (`connz`).
    public var name: String
    /// How long one attempt to reach a server may take.
    public var connectTimeout: Duration
    /// Pause between reconnect attempts to the same server.
    public var reconnectWait: Duration
    /// Reconnect attempts per server before giving up; `nil` retries forever.
    public var maxReconnectAttempts: Int?
    /// Bytes published while disconnected that are kept and sent after reconnecting.
    public var reconnectBufferBytes: Int
    /// Keep trying in the background when no server answers at start, instead of failing.
    public var retryOnFailedConnect: Bool
    /// Replicas of the JetStream streams this client creates (3 on a NATS cluster).
    public var streamReplicas: Int = 1
    /// The subject prefix of this client's inboxes (replies, streamed replies, cancels, pull
    /// subscriptions): `_INBOX.<user>` for a client with a user (default), so NATS permissions
    /// can let each user alone read its replies (deploy/nats/auth.conf); `_INBOX` without one.
    public var inboxPrefix: String
    /// Write each message to the socket at once (true), or let libnats's flusher thread gather
    /// what is published within ~1 ms into one write (false): fewer system calls for a client
    /// that publishes many small messages nobody waits for (acks), at up to 1 ms of latency.
    public var sendAsap = true
    /// Try `servers` in a random order (true, spreading clients over a cluster), or in the order
    /// given (false).
    public var randomize = true

    public init(
        servers: [String],
        user: String? = nil,
        password: String? = nil,
        name: String,
        connectTimeout: Duration = .seconds(2),
        reconnectWait: Duration = .milliseconds(250),
        maxReconnectAttempts: Int? = nil,
        reconnectBufferBytes: Int = 8 * 1024 * 1024,
        retryOnFailedConnect: Bool = true
    ) {
        self.servers = servers
        self.user = user
        self.password = password
        self.name = name
        self.connectTimeout = connectTimeout
        self.reconnectWait = reconnectWait
        self.maxReconnectAttempts = maxReconnectAttempts
        self.reconnectBufferBytes = reconnectBufferBytes
        self.retryOnFailedConnect = retryOnFailedConnect
        inboxPrefix = user.map { "_INBOX.\($0)" } ?? "_INBOX"
    }
}
