import Foundation
import Synchronization

/// Ciphertexts by (tenant, service, name), so a release needs no database query: only the
/// decryption, per request. Writes and deletes evict on every vault instance through
/// `vault.events.credentials.changed`; entries also expire after a while.
final class CiphertextCache: Sendable {
    struct Key: Hashable, Sendable {
        var tenant: UUID
        var service: String
        var name: String
    }

    private struct Entry {
        var credential: StoredCredential
        var expires: ContinuousClock.Instant
    }

    private let lifetime: Duration
    private let entries = Mutex<[Key: Entry]>([:])

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    func get(_ key: Key) -> StoredCredential? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[key], entry.expires > now else { return nil }
            return entry.credential
        }
    }

    func store(_ credential: StoredCredential) {
        let key = Key(tenant: credential.tenant, service: credential.service, name: credential.name)
        let expires = ContinuousClock.now + lifetime
        entries.withLock { entries in
            if entries.count > 200_000 { entries.removeAll() }
            entries[key] = Entry(credential: credential, expires: expires)
        }
    }

    func evict(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    func evict(tenant: UUID) {
        entries.withLock { entries in entries = entries.filter { $0.key.tenant != tenant } }
    }
}
