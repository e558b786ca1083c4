import Messaging

extension NatsConfiguration {
    /// `NATS_URL` (comma-separated servers, default `nats://127.0.0.1:4222`), `NATS_USER`, `NATS_PASSWORD`;
    /// the inbox prefix is `_INBOX.<user>`, the one inbox the user may read (deploy/nats/auth.conf).
    public static func from(_ environment: Environment, name: String) throws(ConfigurationError) -> NatsConfiguration {
        let servers = environment.list("NATS_URL")
        for server in servers where !(server.hasPrefix("nats://") || server.hasPrefix("tls://")) {
            throw ConfigurationError("NATS_URL", "must list nats:// or tls:// URLs, got \"\(server)\"")
        }
        let user = environment.optional("NATS_USER")
        let password = environment.optional("NATS_PASSWORD")
        if user != nil && password == nil { throw ConfigurationError("NATS_PASSWORD", "is missing (NATS_USER is set)") }
        var configuration = NatsConfiguration(
            servers: servers.isEmpty ? ["nats://127.0.0.1:4222"] : servers, user: user, password: password, name: name)
        configuration.streamReplicas = try environment.integer("JETSTREAM_REPLICAS", default: 1, range: 1...5)
        return configuration
    }
}
