import Logging
import Messaging

extension JetStream {
    /// Creates a stream the service writes to if it is missing. The services' NATS users may
    /// create their streams but never update them (a compromised service must not shrink a
    /// stream's retention); a stream that exists with another configuration (more replicas, a
    /// new limit after an upgrade) is logged, and changing it is an operator's step
    /// (docs/operations.md, "JetStream streams"). A stream that captures other subjects than its
    /// own is logged as critical: it may hold messages it should not (another service's replies).
    public func ensureOwnStream(_ config: StreamConfig, logger: Logger) async throws {
        guard case .differs(let existing) = try await ensureStream(config) else { return }
        var wanted = config
        wanted.numReplicas = connection.streamReplicas
        let metadata: Logger.Metadata = [
            "stream": "\(config.name)", "subjects": "\(existing.subjects)", "wanted.subjects": "\(wanted.subjects)",
            "replicas": "\(existing.numReplicas)", "wanted.replicas": "\(wanted.numReplicas)",
            "max_age_ns": "\(existing.maxAge)", "wanted.max_age_ns": "\(wanted.maxAge)",
        ]
        if existing.subjects != wanted.subjects {
            logger.critical(
                "stream \(config.name) captures other subjects than its own; check it and fix it as the NATS operator",
                metadata: metadata)
        } else {
            logger.warning(
                "stream \(config.name) exists with another configuration; update it as the NATS operator",
                metadata: metadata)
        }
    }
}
