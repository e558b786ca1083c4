import Crypto
import Foundation
import Synchronization

/// Keeps resolved API keys (by hash) and tenants (by id) for a few seconds, so a warm request
/// needs no database query. Revocations and tenant changes evict entries at once, on every
/// gateway instance, through ``GatewayEvents``; the time limit is the backstop.
final class CredentialCache: Sendable {
    private struct Entry<Value> {
        var value: Value
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var keys: [SHA256.Digest: Entry<ResolvedKey>] = [:]
        var tenants: [UUID: Entry<Principal.TenantRef>] = [:]
    }

    private let lifetime: Duration
    private let capacity: Int
    private let state = Mutex(State())

    init(lifetime: Duration = .seconds(10), capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func key(_ digest: SHA256.Digest) -> ResolvedKey? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.keys[digest], entry.expires > now else { return nil }
            return entry.value
        }
    }

    func store(_ key: ResolvedKey, digest: SHA256.Digest) {
        let expires = ContinuousClock.now + lifetime
        state.withLock { state in
            if state.keys.count >= capacity { state.keys.removeAll(keepingCapacity: true) }
            state.keys[digest] = Entry(value: key, expires: expires)
        }
    }

    func tenant(_ id: UUID) -> Principal.TenantRef? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.tenants[id], entry.expires > now else { return nil }
            return entry.value
        }
    }

    func store(_ tenant: Principal.TenantRef) {
        let expires = ContinuousClock.now + lifetime
        state.withLock { state in
            if state.tenants.count >= capacity { state.tenants.removeAll(keepingCapacity: true) }
            state.tenants[tenant.id] = Entry(value: tenant, expires: expires)
        }
    }

    func evictKeys(_ ids: [UUID]) {
        let ids = Set(ids)
        state.withLock { state in state.keys = state.keys.filter { !ids.contains($0.value.value.id) } }
    }

    /// Drops a tenant and every key of it (its modules changed, or it is being deleted).
    func evictTenant(_ id: UUID) {
        state.withLock { state in
            state.tenants[id] = nil
            state.keys = state.keys.filter { $0.value.value.tenant.id != id }
        }
    }
}
