import Foundation
import Logging
import Messaging

/// Events between gateway instances: every instance listens (no queue group) and drops what it
/// cached, so a revoked key stops working everywhere within moments.
enum GatewayEvents {
    static let keysRevoked = "gateway.events.keys.revoked"
    static let tenantChanged = "gateway.events.tenants.changed"
    static let sessionsEnded = "gateway.events.sessions.ended"
    static let all = "gateway.events.>"

    struct KeysRevoked: Codable, Sendable {
        var tenantId: UUID
        var keyIds: [UUID]
    }

    struct TenantChanged: Codable, Sendable {
        var tenantId: UUID
    }

    /// A user's sessions were revoked (a role or module change, a password reset, a logout) or
    /// the user was deleted: their access tokens stop working at once.
    struct SessionsEnded: Codable, Sendable {
        var userId: UUID
    }
}

/// Evicts locally at once and tells the other gateway instances.
struct CacheInvalidator: Sendable {
    let cache: AuthCache
    let nats: NatsConnection
    let logger: Logger

    func keysRevoked(_ ids: [UUID], tenant: UUID) {
        guard !ids.isEmpty else { return }
        cache.evictKeys(ids)
        publish(GatewayEvents.keysRevoked, GatewayEvents.KeysRevoked(tenantId: tenant, keyIds: ids))
    }

    func tenantChanged(_ tenant: UUID) {
        cache.evictTenant(tenant)
        publish(GatewayEvents.tenantChanged, GatewayEvents.TenantChanged(tenantId: tenant))
    }

    func sessionsEnded(user: UUID) {
        cache.evictSessions(user: user)
        publish(GatewayEvents.sessionsEnded, GatewayEvents.SessionsEnded(userId: user))
    }

    private func publish(_ subject: String, _ event: some Encodable) {
        do {
            try nats.publish(subject, payload: try JSONEncoder().encode(event))
        } catch {
            // Other instances still drop the entry when it expires (seconds).
            logger.warning(
                "could not announce a cache invalidation",
                metadata: ["nats.subject": "\(subject)", "error": "\(error)"])
        }
    }
}
