import Crypto
import Foundation
import ServiceKit

/// Keeps resolved API keys (by the SHA-256 digest of the key), tenants (by id) and users' sessions
/// for a few seconds, so a warm request needs no database query. Revocations and tenant changes evict
/// entries at once, on every gateway instance, through ``GatewayEvents``; the time limit is the
/// backstop if an event is lost.
final class AuthCache: Sendable {
    let keys: InvalidatingCache<SHA256.Digest, ResolvedKey>
    let tenants: InvalidatingCache<UUID, Principal.TenantRef>
    /// Tenants by slug, for the public routes.
    let tenantsBySlug: InvalidatingCache<String, Principal.TenantRef>
    /// Users' sessions by id: an access token counts only while its session is active.
    let sessions: InvalidatingCache<UUID, SessionState>

    init(lifetime: Duration = .seconds(10)) {
        keys = InvalidatingCache(lifetime: lifetime)
        tenants = InvalidatingCache(lifetime: lifetime)
        tenantsBySlug = InvalidatingCache(lifetime: lifetime, capacity: 10_000)
        sessions = InvalidatingCache(lifetime: lifetime)
    }

    /// Drops a user's sessions (they were revoked, or the user is gone).
    func evictSessions(user: UUID) {
        sessions.evictAll { _, session in session.user == user }
    }

    func evictKeys(_ ids: [UUID]) {
        let ids = Set(ids)
        keys.evictAll { _, key in ids.contains(key.id) }
    }

    /// Drops a tenant and every key of it (its modules changed, or it is being deleted).
    func evictTenant(_ id: UUID) {
        tenants.evict(id)
        tenantsBySlug.evictAll { _, tenant in tenant.id == id }
        keys.evictAll { _, key in key.tenant.id == id }
    }
}
